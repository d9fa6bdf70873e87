"""The display: plain and HTML renderings, escaping, formatting, redaction."""

from __future__ import annotations

import ast
import math
from pathlib import Path
from typing import Any

import pytest

from prime_magics.config import Secret, Settings
from prime_magics.display import primitives
from prime_magics.display.primitives import (
    PALETTE,
    SANDBOX_LABEL,
    Code,
    Confirmation,
    Notice,
    Table,
    redacted,
    sandbox_banner,
    sandbox_tag_html,
    text,
    usd,
)
from prime_magics.display.sentences import attached_problem, quote_table
from prime_magics.pricing import Quote

KEY = "sk-test-0123456789abcdef"


def test_notice_is_plain_text_and_escaped_html() -> None:
    notice = Notice("<b>1 < 2</b> & done", "error")
    assert repr(notice) == "<b>1 < 2</b> & done"
    html = notice._repr_html_()
    assert "&lt;b&gt;1 &lt; 2&lt;/b&gt; &amp; done" in html
    assert "<b>" not in html and "prime-error" in html


def test_notice_levels_are_checked() -> None:
    for level in primitives.LEVELS:
        assert Notice("x", level).level == level
    with pytest.raises(ValueError, match="level"):
        Notice("x", "loud")


def test_table_aligns_its_keys_and_reads_by_key() -> None:
    table = Table([("id", "p-1"), ("status", None), ("gpus", 8)], "Pod p")
    assert repr(table).splitlines() == ["Pod p", "id      p-1", "status  —", "gpus    8"]
    assert table["gpus"] == 8 and len(table) == 3 and dict(table)["id"] == "p-1"
    with pytest.raises(KeyError):
        table["missing"]


def test_table_html_escapes_keys_values_and_title() -> None:
    html = Table([("<k>", "<script>x</script>")], "<t>")._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "&lt;k&gt;" in html and "<caption>&lt;t&gt;</caption>" in html


def test_code_keeps_text_verbatim_and_escapes_html() -> None:
    code = Code('{"a": "<1>"}', "Body")
    assert repr(code) == 'Body:\n{"a": "<1>"}'
    assert "<pre>{&quot;a&quot;: &quot;&lt;1&gt;&quot;}</pre>" in code._repr_html_()
    assert repr(Code("plain")) == "plain"


@pytest.mark.parametrize(
    ("value", "shown"),
    [(None, "—"), (math.nan, "—"), (True, "yes"), (False, "no"), (0.5, "0.5"), ("s", "s")],
)
def test_text(value: Any, shown: str) -> None:
    assert text(value) == shown


@pytest.mark.parametrize(
    ("amount", "per", "shown"),
    [
        (1.9, "h", "$1.9000/h"),
        (0.000097, "h", "$0.000097/h"),
        (0.0, "h", "$0.0000/h"),
        (14300.41, "month", "$14,300.41/month"),
        (3.456, "", "$3.46"),
        (None, "h", "—"),
        (math.nan, "day", "—"),
    ],
)
def test_usd(amount: float | None, per: str, shown: str) -> None:
    assert usd(amount, per) == shown


def test_sandbox_banner_says_simulated_and_not_offers() -> None:
    banner = sandbox_banner()
    assert repr(banner).startswith("[simulator]") and repr(banner) == SANDBOX_LABEL
    assert "simulated" in repr(banner) and "offers" not in repr(banner)  # also above pods
    assert "billed" in repr(banner) and "[simulator]" in banner._repr_html_()
    assert SANDBOX_LABEL in sandbox_tag_html()


@pytest.mark.parametrize("level", primitives.LEVELS)
def test_every_colour_sets_foreground_and_background(level: str) -> None:
    style = Notice("x", level)._repr_html_()
    assert "color:var(--jp-ui-font-color1" in style and "background:var(--jp-layout-color2" in style
    assert f"border-left:4px solid {PALETTE[level]}" in style
    assert style.count("#") == 3  # a fallback for each of the three variables


def test_quote_table_reads_the_quote_then_each_attached_disk() -> None:
    quote = Quote(gpu_hr=2.69, disk_hr=0.03, vcpu_hr=0.0, memory_hr=0.0, total_hr=2.72,
                  gpu_count=1, disk_gb=100, vcpus=16, memory_gb=180, prepaid_hours=2)  # fmt: skip
    table = quote_table(quote, [("scratch", 0.0075)], 2.7275)
    assert table["Total"] == "$2.7200/h" and "per month" not in dict(table.rows)
    assert table["up front (2 h)"] == "$5.44" and table["disk scratch"] == "$0.0075/h"
    assert table["Grand total"] == "$2.7275/h"
    assert "<b>$2.7275/h</b>" in table._repr_html_()
    assert "Grand total" not in dict(quote_table(quote))
    assert quote_table(None)["Total"] is None


def test_confirmation_and_attached_problem() -> None:
    ask = Confirmation("Delete disk d?", "All <data> is lost.")
    assert repr(ask) == "Delete disk d?\nAll <data> is lost."
    assert "&lt;data&gt;" in ask._repr_html_() and "prime-warning" in ask._repr_html_()
    assert attached_problem(["p1"]) == "attached to pod p1: terminate it first"
    assert attached_problem([]) is None


def test_redacted_removes_the_key() -> None:
    settings = Settings(secret=Secret(KEY))
    assert KEY not in redacted(f"Bearer {KEY} and again {KEY}", settings)
    assert redacted("nothing secret", Settings()) == "nothing secret"


def test_the_primitives_are_a_leaf_of_stdlib_and_config() -> None:
    """The domain says itself with them (a Quote's repr): they must import none of it,
    not even for type hints, or an import circle runs through the display."""
    tree = ast.parse(Path(primitives.__file__).read_text())
    relative = set()
    absolute = set()
    assert not [n for n in tree.body if isinstance(n, ast.If)]  # no TYPE_CHECKING block
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level:
            relative.add(node.module)
        elif isinstance(node, ast.ImportFrom):
            absolute.add((node.module or "").split(".")[0])
        elif isinstance(node, ast.Import):
            absolute |= {alias.name.split(".")[0] for alias in node.names}
    assert relative <= {"config", "errors"}
    assert absolute <= {"__future__", "html", "math", "collections", "typing"}


def test_a_quote_reads_as_one_line_and_as_the_forms_table() -> None:
    import prime_magics as pm

    offer = pm.GpuOffer.model_validate(
        {"cloudId": "c", "gpuType": "H100_80GB", "socket": "PCIe", "provider": "p",
         "prices": {"onDemand": 2.69},
         "disk": {"minCount": 50, "maxCount": 1000, "step": 10, "defaultCount": 100,
                  "pricePerUnit": 0.0003}}
    )  # fmt: skip
    q = pm.quote(offer, disk_gb=200)
    assert repr(q) == (
        "Quote: $2.7500/h = GPU $2.6900 + Disk $0.0600 + vCPU $0.0000 + Memory $0.0000 "
        "(1× GPU, 200 GB disk)"
    )
    assert "\n" not in repr(q) and "Quote(" not in repr(q)
    assert q._repr_html_() == q.table(title="Quote")._repr_html_()
