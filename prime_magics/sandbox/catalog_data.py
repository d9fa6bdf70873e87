"""Static facts the seeded catalogue is drawn from: regions, GPUs, images, disk products.

Kept as plain tables, apart from the generator (and from `providers.py`), so that what
the sandbox can offer is readable at a glance and the generator stays small. Names and
prices per GPU-hour follow the real API, so that offers look real, and every GPU type,
socket, provider and image is a value of the spec's enums (`spec_enums.py`); IP addresses handed to
pods come from the documentation ranges instead, so nothing the sandbox returns can
reach a real machine.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DataCentre:
    id: str | None
    country: str
    region: str | None


@dataclass(frozen=True)
class GpuModel:
    """A GPU type + socket with a realistic per-GPU hourly price range (USD)."""

    slug: str
    gpu_type: str
    socket: str
    memory_gb: int
    price_low: float
    price_high: float


GPU_MODELS: dict[str, GpuModel] = {
    m.slug: m
    for m in (
        GpuModel("h100_pcie", "H100_80GB", "PCIe", 80, 1.9, 2.7),
        GpuModel("h100_sxm", "H100_80GB", "SXM5", 80, 2.2, 3.5),
        GpuModel("h200", "H200_141GB", "SXM5", 141, 3.0, 4.5),
        GpuModel("b200", "B200_180GB", "SXM6", 180, 4.5, 6.5),
        GpuModel("a100_pcie", "A100_80GB", "PCIe", 80, 1.1, 1.7),
        GpuModel("a100_sxm", "A100_80GB", "SXM4", 80, 1.2, 1.9),
        GpuModel("a100_40", "A100_40GB", "SXM4", 40, 0.8, 1.3),
        GpuModel("l40s", "L40S_48GB", "PCIe", 48, 0.8, 1.2),
        GpuModel("a6000", "A6000_48GB", "PCIe", 48, 0.45, 0.8),
        GpuModel("rtx4090", "RTX4090_24GB", "PCIe", 24, 0.3, 0.7),
        GpuModel("rtx3090", "RTX3090_24GB", "PCIe", 24, 0.2, 0.45),
        GpuModel("b300", "B300_262GB", "SXM6", 262, 6.0, 8.5),
        GpuModel("rtx_pro", "RTX_PRO_6000B_96GB", "PCIe", 96, 1.2, 1.9),
        GpuModel("rtx6000ada", "RTX6000Ada_48GB", "PCIe", 48, 0.6, 1.0),
        GpuModel("rtx5090", "RTX5090_32GB", "PCIe", 32, 0.5, 0.9),
        GpuModel("a40", "A40_48GB", "PCIe", 48, 0.35, 0.6),
        GpuModel("l4", "L4_24GB", "PCIe", 24, 0.25, 0.5),
        GpuModel("t4", "T4_16GB", "PCIe", 16, 0.1, 0.3),
        GpuModel("v100_sxm2", "V100_16GB", "SXM2", 16, 0.2, 0.45),
        GpuModel("v100_sxm3", "V100_32GB", "SXM3", 32, 0.3, 0.6),
        # CPU nodes carry a socket too: the spec requires one on every offer.
        GpuModel("cpu", "CPU_NODE", "PCIe", 0, 0.05, 0.3),
    )
}

IMAGES_GUIDE: tuple[str, ...] = (
    "ubuntu_22_cuda_12",
    "cuda_12_1_pytorch_2_2",
    "cuda_11_8_pytorch_2_1",
    "stable_diffusion",
    "flux",
    "axolotl",
    "bittensor",
    "vllm_llama_8b",
    "vllm_llama_70b",
    "vllm_llama_405b",
)
IMAGES_FULL: tuple[str, ...] = (
    "ubuntu_22_cuda_12",
    "cuda_12_1_pytorch_2_2",
    "cuda_11_8_pytorch_2_1",
    "cuda_12_1_pytorch_2_3",
    "cuda_12_1_pytorch_2_4",
    "cuda_12_4_pytorch_2_4",
    "cuda_12_4_pytorch_2_5",
    "cuda_12_4_pytorch_2_6",
    "cuda_12_6_pytorch_2_7",
    "stable_diffusion",
    "axolotl",
    "bittensor",
    "vllm_llama_8b",
    "vllm_llama_70b",
    "vllm_llama_405b",
    "custom_template",
    "prime_rl",
)
IMAGES_SHORT: tuple[str, ...] = ("ubuntu_22_cuda_12", "cuda_12_4_pytorch_2_5", "custom_template")
IMAGES_CPU: tuple[str, ...] = ("ubuntu_22_cuda_12", "custom_template")

RUNPOD_DISK_INFO = (
    "Runpod uses 40GB of disk size for the filesystem. Only additional disk size is "
    "available for the user. If you order 80GB you'll only get 40GB of volume size, "
    "100GB -> 60GB of volume size etc."
)
CRUSOE_DISK_INFO = (
    "Crusoe instance storage is local NVMe and ephemeral: data is lost when the instance "
    "is stopped or terminated. Attach a network disk to keep datasets and checkpoints."
)
NEBIUS_SHARED_INFO = (
    "Shared filesystem mounted at /mnt/shared on every node of the instance; billed per "
    "GB-hour whether or not it is used."
)


@dataclass(frozen=True)
class DiskProduct:
    """A provider's network-disk product: $/GB-hour and size limits (GB)."""

    price_per_gb: float
    min_gb: int
    max_gb: int
    cloud_id: str | None = None
    multinode: bool = False


# Providers that sell network disks; every data centre of theirs that appears in the GPU
# catalogue gets one disk offer, so pods there can be provisioned with a disk attached.
DISK_PRODUCTS: dict[str, DiskProduct] = {
    "hyperstack": DiskProduct(0.00015, 1, 100000),
    "runpod": DiskProduct(0.0001111111111111111, 0, 8192, multinode=True),
    "crusoecloud": DiskProduct(0.00011545611010752688, 0, 8192),
    "datacrunch": DiskProduct(0.0001, 1, 40000, cloud_id="NVMe_Shared"),
    "nebius": DiskProduct(0.000095, 1, 65536, cloud_id="network-ssd", multinode=True),
    "primecompute": DiskProduct(0.00012, 1, 20000),
    "dc_roan": DiskProduct(7e-05, 0, 8192, multinode=True),
}
# Per-data-centre price overrides seen in the real API.
DISK_PRICE_OVERRIDES: dict[str | None, float] = {"NORWAY-1": 9.7e-05}

STOCK_STATUSES: tuple[tuple[str, int], ...] = (
    ("Available", 35),
    ("High", 15),
    ("Medium", 20),
    ("Low", 25),
    ("Unavailable", 5),
)


def data_centres(*rows: tuple[str | None, str, str | None]) -> tuple[DataCentre, ...]:
    return tuple(DataCentre(*row) for row in rows)


@dataclass(frozen=True)
class Provider:
    """How one provider names, prices and shapes its offers.

    `style` selects the resource layout (see `catalog._resources`); `id_format` builds a
    cloud id from `{tok}` (the model token) and `{c}` (GPU count).
    """

    name: str
    dcs: tuple[DataCentre, ...]
    models: tuple[str, ...]
    counts: tuple[int, ...]
    securities: tuple[str, ...]
    id_format: str
    style: str
    images: tuple[str, ...]
    spot: bool = False
    variable: bool = False
    tokens: tuple[tuple[str, str], ...] = ()
    multinode_models: tuple[str, ...] = ()
    currency: str = "USD"

    def token(self, slug: str) -> str:
        return dict(self.tokens).get(slug, slug.replace("_", "-"))

    def cloud_id(self, slug: str, count: int) -> str:
        return self.id_format.format(tok=self.token(slug), c=count)
