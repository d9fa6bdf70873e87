"""A ``PrimeError`` from a plain call in a notebook cell reads as its message and hint."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from prime_magics.errors import PrimeError
from prime_magics.magics import PrimeMagics
from tests.magic_fixtures import Cell, Shell

pytest_plugins = ("tests.magic_fixtures",)

OFF_STEP = (
    "import prime_magics as pm\n"
    "offer = pm.GpuOffer(cloud_id='c', gpu_type='H100_80GB', socket='PCIe', provider='p',\n"
    "    disk=pm.ResourceSpec(min_count=50, max_count=1000, step=10, default_count=100))\n"
    "pm.quote(offer, disk_gb=205)\n"
)


@pytest.fixture
def restore() -> Iterator[None]:
    yield
    PrimeError.short_traceback = True


def test_a_plain_call_shows_the_message_without_the_internals(ip: Shell, restore: None) -> None:
    cell = Cell(ip, OFF_STEP)
    assert isinstance(cell.error, PrimeError)
    assert "off its step" in cell.text and "nearest: 200 or 210" in cell.text
    assert "pricing.py" not in cell.text and "Traceback" not in cell.text


def test_short_errors_false_brings_the_traceback_back(
    ip: Shell, magics: PrimeMagics, restore: None
) -> None:
    magics.short_errors = False
    cell = Cell(ip, OFF_STEP)
    assert "pricing.py" in cell.text and "off its step" in cell.text
