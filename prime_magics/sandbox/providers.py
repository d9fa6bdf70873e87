"""Who sells what where: each provider's data centres, GPUs, naming and resource style.

One row per provider, in the real API's vocabulary (provider types, data-centre ids,
cloud-id formats), so generated offers look like the ones in the captured responses.
Sampling from these rows is `generate.py`'s job. Regional and smaller providers (the
spec's africa, middle_east, south_america regions, a euro-billing one) are in
`providers_regional.py`; `PROVIDERS` is both, in that order. The row itself,
`Provider`, is `catalog_data`'s, so both lists build on it without importing each other.
"""

from __future__ import annotations

from .catalog_data import IMAGES_FULL, IMAGES_GUIDE, IMAGES_SHORT, Provider, data_centres
from .providers_regional import REGIONAL_PROVIDERS

_ALL_GPUS = ("h100_pcie", "h100_sxm", "h200", "a100_pcie", "a100_sxm", "l40s", "a6000")

MAJOR_PROVIDERS: tuple[Provider, ...] = (
    Provider(
        name="runpod",
        dcs=data_centres(
            ("US-KS-2", "US", "united_states"),
            ("US-MO-1", "US", "united_states"),
            ("US-WA-1", "US", "united_states"),
            ("US-CA-2", "US", "united_states"),
            ("US-TX-3", "US", "united_states"),
            ("CA-MTL-1", "CA", "canada"),
            ("CA-MTL-3", "CA", "canada"),
            ("EU-RO-1", "RO", "eu_east"),
            ("EU-CZ-1", "CZ", "eu_east"),
            ("EU-SE-1", "SE", "eu_north"),
            ("EU-NL-1", "NL", "eu_west"),
            ("AP-JP-1", "JP", "asia_northeast"),
            ("OC-AU-1", "AU", "australia"),
        ),
        models=(*_ALL_GPUS, "b200", "a100_40", "rtx4090", "rtx3090"),
        counts=(1, 2, 4, 8),
        securities=("secure_cloud", "community_cloud"),
        id_format="{tok}",
        style="runpod",
        images=IMAGES_FULL,
        spot=True,
        tokens=(
            ("h100_pcie", "NVIDIA H100 PCIe"),
            ("h100_sxm", "NVIDIA H100 80GB HBM3"),
            ("h200", "NVIDIA H200"),
            ("b200", "NVIDIA B200"),
            ("a100_pcie", "NVIDIA A100 80GB PCIe"),
            ("a100_sxm", "NVIDIA A100-SXM4-80GB"),
            ("a100_40", "NVIDIA A100-SXM4-40GB"),
            ("l40s", "NVIDIA L40S"),
            ("a6000", "NVIDIA RTX A6000"),
            ("rtx4090", "NVIDIA GeForce RTX 4090"),
            ("rtx3090", "NVIDIA GeForce RTX 3090"),
        ),
    ),
    Provider(
        name="hyperstack",
        dcs=data_centres(
            ("CANADA-1", "CA", "canada"),
            ("US-1", "US", "united_states"),
            ("NORWAY-1", "NO", "eu_north"),
        ),
        models=("h100_pcie", "h100_sxm", "a100_pcie", "l40s", "a6000"),
        counts=(1, 2, 4, 8),
        securities=("secure_cloud",),
        id_format="n3-{tok}x{c}",
        style="fixed",
        images=IMAGES_GUIDE,
        tokens=(
            ("h100_pcie", "H100"),
            ("h100_sxm", "H100-SXM5"),
            ("a100_pcie", "A100"),
            ("l40s", "L40"),
            ("a6000", "RTX-A6000"),
        ),
        multinode_models=("h100_sxm",),
    ),
    Provider(
        name="datacrunch",
        dcs=data_centres(
            ("FIN-01", "FI", "eu_north"), ("FIN-02", "FI", "eu_north"), ("ICE-01", "IS", "eu_north")
        ),
        models=("h100_sxm", "h200", "b200", "a100_sxm", "a100_40", "l40s", "a6000"),
        counts=(1, 2, 4, 8),
        securities=("secure_cloud",),
        id_format="{c}{tok}",
        style="datacrunch",
        images=IMAGES_FULL,
        spot=True,
        tokens=(
            ("h100_sxm", "H100.80S"),
            ("h200", "H200.141S"),
            ("b200", "B200.180S"),
            ("a100_sxm", "A100.80S"),
            ("a100_40", "A100.40S"),
            ("l40s", "L40S.48V"),
            ("a6000", "A6000.48V"),
        ),
        multinode_models=("h100_sxm", "h200"),
    ),
    Provider(
        name="lambdalabs",
        dcs=data_centres(
            ("us-east-1", "US", "united_states"),
            ("us-west-1", "US", "united_states"),
            ("us-south-1", "US", "united_states"),
            ("europe-central-1", "DE", "eu_west"),
            ("asia-northeast-1", "JP", "asia_northeast"),
            ("asia-south-1", "IN", "asia_south"),
        ),
        models=("h100_pcie", "h100_sxm", "a100_sxm", "a100_40", "a6000"),
        counts=(1, 2, 4, 8),
        securities=("secure_cloud",),
        id_format="gpu_{c}x_{tok}",
        style="fixed",
        images=IMAGES_GUIDE,
        multinode_models=("h100_sxm", "b200"),
    ),
    Provider(
        name="crusoecloud",
        dcs=data_centres(
            ("us-east1-a", "US", "united_states"),
            ("us-southcentral1-a", "US", "united_states"),
            ("eu-iceland1-a", "IS", "eu_north"),
        ),
        models=("h100_sxm", "h200", "a100_sxm", "l40s"),
        counts=(1, 2, 4, 8),
        securities=("secure_cloud",),
        id_format="{tok}.{c}x",
        style="crusoe",
        images=IMAGES_FULL,
        spot=True,
        tokens=(
            ("h100_sxm", "h100-80gb-sxm-ib"),
            ("h200", "h200-141gb-sxm-ib"),
            ("a100_sxm", "a100-80gb-sxm-ib"),
            ("l40s", "l40s-48gb"),
        ),
        multinode_models=("h100_sxm", "h200", "a100_sxm"),
    ),
    Provider(
        name="massedcompute",
        dcs=data_centres((None, "US", None)),
        models=("h100_pcie", "a100_pcie", "l40s", "a6000", "rtx4090"),
        counts=(1, 2, 4, 8),
        securities=("secure_cloud",),
        id_format="{tok}x{c}",
        style="fixed",
        images=IMAGES_SHORT,
        tokens=(
            ("h100_pcie", "H100-PCIe-80GB"),
            ("a100_pcie", "A100-PCIe-80GB"),
            ("l40s", "L40S-48GB"),
            ("a6000", "RTX-A6000-48GB"),
            ("rtx4090", "RTX-4090"),
        ),
    ),
    Provider(
        name="nebius",
        dcs=data_centres(
            ("eu-north1", "FI", "eu_north"),
            ("eu-west1", "FR", "eu_west"),
            ("us-central1", "US", "united_states"),
        ),
        models=("h100_sxm", "h200", "b200", "l40s"),
        counts=(1, 2, 4, 8),
        securities=("secure_cloud",),
        id_format="gpu-{tok}-{c}gpu",
        style="nebius",
        images=IMAGES_FULL,
        spot=True,
        multinode_models=("h100_sxm", "h200", "b200"),
    ),
    Provider(
        name="primecompute",
        dcs=data_centres(("US-SJC-1", "US", "united_states"), ("EU-AMS-1", "NL", "eu_west")),
        models=("h100_sxm", "h200", "a100_sxm", "rtx4090", "cpu"),
        counts=(1, 2, 4, 8),
        securities=("secure_cloud",),
        id_format="prime-{tok}-{c}x",
        style="prime",
        images=IMAGES_FULL,
        variable=True,
        multinode_models=("h100_sxm", "h200"),
    ),
    Provider(
        name="dc_roan",
        dcs=data_centres((None, "US", "united_states")),
        models=("h100_pcie", "a100_pcie", "rtx4090", "rtx3090", "cpu"),
        counts=(1, 2, 4, 8),
        securities=("community_cloud",),
        id_format="roan-{tok}x{c}",
        style="dc",
        images=IMAGES_SHORT,
        variable=True,
    ),
    Provider(
        name="dc_kudu",
        dcs=data_centres(("IN-BOM-1", "IN", "asia_south")),
        models=("a6000", "rtx4090", "rtx3090", "l40s", "t4"),
        counts=(1, 2, 4, 8),
        securities=("community_cloud",),
        id_format="kudu-{tok}-{c}",
        style="fixed",
        images=IMAGES_SHORT,
        variable=True,
    ),
)


PROVIDERS: tuple[Provider, ...] = (*MAJOR_PROVIDERS, *REGIONAL_PROVIDERS)
