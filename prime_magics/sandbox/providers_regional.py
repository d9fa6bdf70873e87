"""Regional and smaller providers of the catalogue, so every spec region has offers.

Africa, the Middle East and South America (regions the spec lists), a provider billing in
EUR (a `currency` other than USD is a shape clients must handle), V100 SXM2/SXM3 sockets
and B300s. Same row format as `providers.py`.
"""

from __future__ import annotations

from .catalog_data import IMAGES_FULL, IMAGES_GUIDE, IMAGES_SHORT, Provider, data_centres

REGIONAL_PROVIDERS: tuple[Provider, ...] = (
    Provider(
        name="scaleway",
        dcs=data_centres(
            ("fr-par-2", "FR", "eu_west"),
            ("nl-ams-1", "NL", "eu_west"),
            ("pl-waw-2", "PL", "eu_east"),
        ),
        models=("h100_pcie", "h100_sxm", "l4", "l40s", "rtx_pro"),
        counts=(1, 2, 8),
        securities=("secure_cloud",),
        id_format="{tok}-{c}",
        style="fixed",
        images=IMAGES_GUIDE,
        tokens=(
            ("h100_pcie", "H100-1-80G"),
            ("h100_sxm", "H100-SXM-80G"),
            ("l4", "L4-24G"),
            ("l40s", "L40S-48G"),
            ("rtx_pro", "RTXPRO6000-96G"),
        ),
        currency="EUR",  # Scaleway bills in euros: clients must not assume USD
    ),
    Provider(
        name="latitude",
        dcs=data_centres(
            ("SAO-1", "BR", "south_america"),
            ("BOG-1", "CO", "south_america"),
            ("DAL-1", "US", "united_states"),
        ),
        models=("h100_pcie", "h100_sxm", "a100_pcie", "l40s"),
        counts=(1, 2, 4, 8),
        securities=("secure_cloud",),
        id_format="lat-{tok}-x{c}",
        style="fixed",
        images=IMAGES_GUIDE,
    ),
    Provider(
        name="fluidstack",
        dcs=data_centres(
            ("CA-TOR-1", "CA", "canada"),
            ("US-NV-1", "US", "united_states"),
            ("AU-SYD-1", "AU", "australia"),
        ),
        models=("h100_sxm", "b300", "a100_sxm", "v100_sxm3"),
        counts=(1, 2, 4, 8),
        securities=("secure_cloud",),
        id_format="fs-{tok}-{c}x",
        style="fixed",
        images=IMAGES_FULL,
        multinode_models=("h100_sxm", "b300"),
    ),
    Provider(
        name="tensordock",
        dcs=data_centres(
            ("us-ny-1", "US", "united_states"),
            ("in-del-1", "IN", "asia_south"),
            ("jp-tyo-1", "JP", "asia_northeast"),
        ),
        models=("v100_sxm2", "v100_sxm3", "a40", "rtx4090", "rtx5090", "t4", "cpu"),
        counts=(1, 2, 4, 8),
        securities=("secure_cloud", "community_cloud"),
        id_format="td-{tok}-{c}",
        style="dc",
        images=IMAGES_SHORT,
        spot=True,
        variable=True,
    ),
    Provider(
        name="dc_impala",
        dcs=data_centres(("JNB-1", "ZA", "africa"), ("NBO-1", "KE", "africa")),
        models=("rtx4090", "rtx3090", "a6000", "rtx5090"),
        counts=(1, 2, 4),
        securities=("community_cloud",),
        id_format="impala-{tok}x{c}",
        style="dc",
        images=IMAGES_SHORT,
        variable=True,
    ),
    Provider(
        name="dc_eland",
        dcs=data_centres(("DXB-1", "AE", "middle_east"), ("TLV-1", "IL", "middle_east")),
        models=("h100_pcie", "a100_pcie", "l40s", "rtx4090"),
        counts=(1, 2, 4, 8),
        securities=("community_cloud", "secure_cloud"),
        id_format="eland-{tok}-{c}",
        style="dc",
        images=IMAGES_SHORT,
        variable=True,
    ),
)
