"""``df.prime``: the availability frame's verbs, on a frame built from known offers."""

from __future__ import annotations

from typing import Any

import httpx
import pandas as pd
import pytest

import prime_magics as pm
from prime_magics.frames import offer_frames as frames


def offer(cloud_id: str, price: float | None, gpus: int = 1, **extra: Any) -> pm.GpuOffer:
    return pm.GpuOffer.model_validate(
        {
            "cloudId": cloud_id, "gpuType": "H100_80GB", "gpuCount": gpus, "socket": "PCIe",
            "provider": "runpod", "security": "secure_cloud", "prices": {"onDemand": price},
            "disk": {"minCount": 50, "defaultCount": 100, "maxCount": 1000, "step": 10,
                     "pricePerUnit": 0.001},
            **extra,
        }
    )  # fmt: skip


@pytest.fixture
def df() -> pd.DataFrame:
    return frames.availability_frame(
        [offer("a", 4.0, 4), offer("b", 2.0), offer("c", None), offer("d", 3.0, 8)]
    )


def test_cheapest_sorts_by_total_or_per_gpu_and_skips_unpriced(df: pd.DataFrame) -> None:
    assert list(df.prime.cheapest(10)["cloud_id"]) == ["b", "d", "a"]
    assert list(df.prime.cheapest(2, per_gpu=True)["cloud_id"]) == ["d", "a"]


def test_quote_and_offer_take_the_row_label_shown(df: pd.DataFrame) -> None:
    label = df.index[df["cloud_id"] == "d"][0]
    assert df.prime.offer(label).cloud_id == "d"
    assert df.prime.quote(label, disk_gb=200) == pm.quote(df.loc[label], disk_gb=200)
    assert df.prime.quote(label, disk_gb=200).disk_hr == pytest.approx(0.2)


def test_an_off_step_count_is_the_cost_models_error(df: pd.DataFrame) -> None:
    with pytest.raises(pm.ConfigurationError, match="off its step"):
        df.prime.quote(df.index[0], disk_gb=205)


def test_other_frames_are_refused_naming_the_missing_columns() -> None:
    with pytest.raises(AttributeError, match="total_hr"):
        _ = pd.DataFrame({"cloud_id": ["x"], "gpu_type": ["H100"], "gpu_count": [1]}).prime


def test_the_test_seam_keeps_the_clients_own_timeout() -> None:
    seen: list[Any] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"])
        return httpx.Response(200, json={"H100_80GB": {}})

    with pm.Client(api_key="k", base_url="https://api.test", timeout=7.5,
                   transport=httpx.MockTransport(handler)) as client:  # fmt: skip
        assert client.gpu_types() == ["H100_80GB"]
    assert seen[0]["read"] == 7.5 and seen[0]["connect"] == 7.5


def test_the_plot_shows_each_gpu_types_best_usd_price_and_its_provider() -> None:
    import matplotlib

    matplotlib.use("Agg")
    offers = [
        offer("h-cheap", 2.0, provider="nebius"),
        offer("h-dear", 3.0, provider="runpod"),
        offer("a", 1.0, gpuType="A100_80GB", provider="runpod"),
        offer("cpu", 0.1, gpuType="CPU_NODE", provider="runpod"),
        offer("eur", 0.5, prices={"onDemand": 0.5, "currency": "EUR"}, provider="scaleway"),
    ]
    ax = frames.availability_frame(offers).prime.plot()
    names = [t.get_text() for t in ax.get_yticklabels()]
    assert names == ["H100_80GB", "A100_80GB"]  # cheapest on top; no CPU node, no EUR
    labels = [t.get_text() for t in ax.texts]
    assert any("nebius" in t and "$2.10" in t for t in labels)  # 2.0 + 100 GB × 0.001
    assert not any("runpod" in t and "$3.10" in t for t in labels)
