"""The closed enums of the real service's OpenAPI spec (`shared/openapi/compute.yml`).

Copied value for value, as `Literal` types, so FastAPI and pydantic accept exactly what
the real server accepts (never less: a client sending a value the spec allows must not
get a 422 here) and so the catalogue can be checked never to emit a value the spec
forbids. Order follows the spec, except that duplicates in its GPUType list are dropped.
"""

from __future__ import annotations

from typing import Literal, get_args

Region = Literal[
    "africa",
    "asia_south",
    "asia_northeast",
    "australia",
    "canada",
    "eu_east",
    "eu_north",
    "eu_west",
    "middle_east",
    "south_america",
    "united_states",
]

GpuType = Literal[
    "CPU_NODE",
    "A10_24GB",
    "A100_80GB",
    "A100_40GB",
    "A30_24GB",
    "A40_48GB",
    "B200_180GB",
    "B300_262GB",
    "GB200",
    "GB300",
    "RTX3070_8GB",
    "RTX3080_10GB",
    "RTX3080Ti_12GB",
    "RTX3090_24GB",
    "RTX3090Ti_24GB",
    "RTX4070Ti_12GB",
    "RTX4080_16GB",
    "RTX4080Ti_16GB",
    "RTX4090_24GB",
    "RTX5090_32GB",
    "H100_80GB",
    "H200_96GB",
    "GH200_96GB",
    "H200_141GB",
    "GH200_480GB",
    "GH200_624GB",
    "L4_24GB",
    "L40_48GB",
    "L40S_48GB",
    "RTX4000_8GB",
    "RTX5000_16GB",
    "RTX6000_24GB",
    "RTX8000_48GB",
    "RTX2000Ada_16GB",
    "RTX4000Ada_20GB",
    "RTX5000Ada_32GB",
    "RTX6000Ada_48GB",
    "A2000_6GB",
    "A4000_16GB",
    "A4500_20GB",
    "A5000_24GB",
    "A6000_48GB",
    "V100_16GB",
    "V100_32GB",
    "P100_16GB",
    "T4_16GB",
    "P4_8GB",
    "P40_24GB",
    "RTX_PRO_6000B_96GB",
]

Socket = Literal["PCIe", "SXM2", "SXM3", "SXM4", "SXM5", "SXM6"]

Security = Literal["secure_cloud", "community_cloud"]

ProviderType = Literal[
    "runpod",
    "fluidstack",
    "lambdalabs",
    "hyperstack",
    "oblivus",
    "cudocompute",
    "scaleway",
    "tensordock",
    "datacrunch",
    "latitude",
    "crusoecloud",
    "massedcompute",
    "akash",
    "primeintellect",
    "primecompute",
    "dc_impala",
    "dc_kudu",
    "dc_roan",
    "nebius",
    "dc_eland",
    "dc_wildebeest",
    "vultr",
    "dc_gnu",
    "denvr",
]

EnvironmentType = Literal[
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
    "hivemind",
    "petals_llama",
    "vllm_llama_8b",
    "vllm_llama_70b",
    "vllm_llama_405b",
    "custom_template",
    "flux",
    "prime_rl",
]

Currency = Literal["USD", "EUR"]

REGIONS: tuple[str, ...] = get_args(Region)
GPU_TYPES: tuple[str, ...] = get_args(GpuType)
SOCKETS: tuple[str, ...] = get_args(Socket)
PROVIDER_TYPES: tuple[str, ...] = get_args(ProviderType)
ENVIRONMENT_TYPES: tuple[str, ...] = get_args(EnvironmentType)
CURRENCIES: tuple[str, ...] = get_args(Currency)
STOCK_STATUSES: tuple[str, ...] = ("Available", "Low", "Medium", "High", "Unavailable")
POD_STATUSES: tuple[str, ...] = (
    "PROVISIONING",
    "PENDING",
    "ACTIVE",
    "STOPPED",
    "ERROR",
    "DELETING",
    "UNKNOWN",
    "TERMINATED",
)
INSTALLATION_STATUSES: tuple[str, ...] = ("PENDING", "ACTIVE", "FINISHED", "ERROR", "TERMINATED")
DISK_STATUSES: tuple[str, ...] = POD_STATUSES
