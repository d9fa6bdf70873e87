"""The offers printed in the official guides, present in every sandbox catalogue.

The guides' worked examples (a fixed-resource hyperstack H100, a runpod H100 with a
priced disk, and the "Modifying instance resources" H100 with priced disk and vcpu) are
the cost model's test vectors and the provisioning walkthrough's inputs: keeping them
verbatim lets tests, notebooks and the README replay the guides against the sandbox.
Absent keys in the guides' JSON are served as explicit nulls, as the real API does.
"""

from __future__ import annotations

from .catalog_data import IMAGES_GUIDE
from .offers import GpuOffer, ResourceSpec, fixed

# provision-instance.md: "We will use the Hyperstack provider and the following offer".
HYPERSTACK_H100 = GpuOffer(
    cloud_id="n3-H100x1",
    gpu_type="H100_80GB",
    socket="PCIe",
    provider="hyperstack",
    region="canada",
    data_center="CANADA-1",
    country="CA",
    gpu_count=1,
    gpu_memory=80,
    disk=fixed(100),
    vcpu=fixed(180),
    memory=fixed(180),
    security="secure_cloud",
    on_demand=1.9,
    community_price=None,
    images=IMAGES_GUIDE,
    stock_status="Available",
    is_variable=None,
)

# check-gpu-availability.md: the example response's single item.
RUNPOD_H100 = GpuOffer(
    cloud_id="NVIDIA H100 PCIe",
    gpu_type="H100_80GB",
    socket="PCIe",
    provider="runpod",
    region="united_states",
    data_center="US-KS-2",
    country="US",
    gpu_count=1,
    gpu_memory=80,
    disk=ResourceSpec(
        min_count=80,
        default_count=80,
        max_count=1000,
        price_per_unit=0.00014,
        step=1,
        default_included=False,
    ),
    vcpu=fixed(16),
    memory=fixed(251),
    security="secure_cloud",
    on_demand=2.69,
    community_price=None,
    images=IMAGES_GUIDE,
    stock_status="Low",
    is_variable=False,
)

# provision-instance.md "Modifying instance resources": disk 0.0003/GB not included,
# vcpu 0.004/core with the default 16 included; memory fixed.
CUSTOM_H100 = GpuOffer(
    cloud_id="sandbox-H100-custom",
    gpu_type="H100_80GB",
    socket="PCIe",
    provider="hyperstack",
    region="canada",
    data_center="CANADA-1",
    country="CA",
    gpu_count=1,
    gpu_memory=80,
    disk=ResourceSpec(
        min_count=50,
        default_count=100,
        max_count=1000,
        price_per_unit=0.0003,
        step=10,
        default_included=False,
    ),
    vcpu=ResourceSpec(
        min_count=4,
        default_count=16,
        max_count=32,
        price_per_unit=0.004,
        step=2,
        default_included=True,
    ),
    memory=fixed(180),
    security="secure_cloud",
    on_demand=2.69,
    community_price=None,
    images=IMAGES_GUIDE,
    stock_status="Available",
    is_variable=None,
)

# Not from the guides: the community twin of RUNPOD_H100 (same provider, cloudId, data
# centre and socket), with a fixed disk. A body with `security: null` (the official CLI's)
# and a diskSize only the secure twin allows must still be provisioned on that twin.
RUNPOD_H100_COMMUNITY = GpuOffer(
    cloud_id="NVIDIA H100 PCIe",
    gpu_type="H100_80GB",
    socket="PCIe",
    provider="runpod",
    region="united_states",
    data_center="US-KS-2",
    country="US",
    gpu_count=1,
    gpu_memory=80,
    disk=fixed(80),
    vcpu=fixed(16),
    memory=fixed(251),
    security="community_cloud",
    on_demand=None,
    community_price=2.19,
    images=IMAGES_GUIDE,
    stock_status="Medium",
    is_variable=True,
)

GUIDE_OFFERS: tuple[GpuOffer, ...] = (HYPERSTACK_H100, RUNPOD_H100, CUSTOM_H100)
# Always in the catalogue, in this order.
PINNED_OFFERS: tuple[GpuOffer, ...] = (*GUIDE_OFFERS, RUNPOD_H100_COMMUNITY)
