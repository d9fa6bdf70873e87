"""Create requests: the API guides' bodies reproduced key for key, and every refusal we can
make locally made before anything is sent. No network.

The guides (``shared/seeds/provision-instance.md``, ``disks.md``) are test vectors: each
``GUIDE_*`` dict below is copied from a curl example there, and ``body()`` must equal it,
key order included (the API does not care about order, but a reader comparing a preview
with the guide does).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

import prime_magics as pm
from prime_magics.config import Secret, Settings
from prime_magics.frames import offer_frames as frames
from prime_magics.models import Disk, DiskOffer, GpuOffer
from prime_magics.provisioning import DiskRequest, PodRequest

IMAGES = [
    "ubuntu_22_cuda_12", "cuda_12_1_pytorch_2_2", "cuda_11_8_pytorch_2_1", "stable_diffusion",
    "flux", "axolotl", "bittensor", "vllm_llama_8b", "vllm_llama_70b", "vllm_llama_405b",
]  # fmt: skip


def _fixed(count: int) -> dict[str, Any]:
    return {
        "minCount": None, "defaultCount": count, "maxCount": None, "pricePerUnit": None,
        "step": None, "defaultIncludedInPrice": None, "additionalInfo": None,
    }  # fmt: skip


# provision-instance.md, "We will use the Hyperstack provider and the following offer".
GUIDE_OFFER_JSON: dict[str, Any] = {
    "cloudId": "n3-H100x1", "gpuType": "H100_80GB", "socket": "PCIe", "provider": "hyperstack",
    "dataCenter": "CANADA-1", "country": "CA", "gpuCount": 1, "gpuMemory": 80,
    "disk": _fixed(100), "vcpu": _fixed(180), "memory": _fixed(180),
    "internetSpeed": None, "interconnect": None, "interconnectType": None,
    "provisioningTime": None, "stockStatus": "Available", "security": "secure_cloud",
    "prices": {"onDemand": 1.9, "isVariable": None, "currency": "USD"},
    "images": IMAGES, "isSpot": None, "prepaidTime": None,
}  # fmt: skip

# "Modifying instance resources": the same offer with the guide's adjustable disk and vcpu
# (its requests keep cloudId n3-H100x1; its cost example prices the GPU at 2.69).
CUSTOM_OFFER_JSON: dict[str, Any] = {
    **GUIDE_OFFER_JSON,
    "disk": {
        "minCount": 50, "defaultCount": 100, "maxCount": 1000, "pricePerUnit": 0.0003,
        "step": 10, "defaultIncludedInPrice": False, "additionalInfo": None,
    },
    "vcpu": {
        "minCount": 4, "defaultCount": 16, "maxCount": 32, "pricePerUnit": 0.004,
        "step": 2, "defaultIncludedInPrice": True, "additionalInfo": None,
    },
    "prices": {"onDemand": 2.69, "isVariable": None, "currency": "USD"},
}  # fmt: skip

# disks.md, "Understanding the Response".
GUIDE_DISK_OFFER_JSON: dict[str, Any] = {
    "cloudId": None, "provider": "hyperstack", "dataCenter": "US-1", "country": "US",
    "region": "united_states",
    "spec": {
        "minCount": 0, "defaultCount": 0, "maxCount": 100000, "pricePerUnit": 0.00015,
        "step": 1, "defaultIncludedInPrice": False, "additionalInfo": None,
    },
    "stockStatus": "Available", "security": "secure_cloud", "isMultinode": False,
}  # fmt: skip

GUIDE_POD = {
    "name": "My first pod",
    "cloudId": "n3-H100x1",
    "gpuType": "H100_80GB",
    "socket": "PCIe",
    "gpuCount": 1,
    "image": "ubuntu_22_cuda_12",
    "dataCenterId": "CANADA-1",
    "country": "CA",
    "security": "secure_cloud",
}
PROVIDER = {"type": "hyperstack"}
DISK_ID = "clhxy6aw80000j8080gdf8kqv"
DISK_ID_2 = "clhxy9bz50001j8080hdf9lrw"
MEMBERS = ["clvb1jtmk0001pxfv1abc2def", "clvb2kumr0002qygw3bcd4efg"]


@pytest.fixture
def offer() -> GpuOffer:
    return GpuOffer.model_validate(GUIDE_OFFER_JSON)


@pytest.fixture
def custom() -> GpuOffer:
    return GpuOffer.model_validate(CUSTOM_OFFER_JSON)


@pytest.fixture
def disk_offer() -> DiskOffer:
    return DiskOffer.model_validate(GUIDE_DISK_OFFER_JSON)


def same_keys_in_order(actual: dict[str, Any], expected: dict[str, Any]) -> None:
    """Equal, and equal when read top to bottom as JSON (what a preview shows)."""
    assert actual == expected
    assert json.dumps(actual) == json.dumps(expected)


def capped(pod: dict[str, Any], offer: GpuOffer, **resources: Any) -> dict[str, Any]:
    """A guide's pod body with the default cap: ``maxPrice`` is the quote's total."""
    return {**pod, "maxPrice": pm.quote(offer, **resources).total_hr}


def disk_model(
    status: str = "ACTIVE", data_center: str = "CANADA-1", provider: str = "hyperstack"
) -> Disk:
    return Disk.model_validate(
        {
            "id": DISK_ID,
            "name": "training-data",
            "status": status,
            "providerType": provider,
            "size": 500,
            "info": {"cloudId": None, "country": "CA", "dataCenterId": data_center},
        }
    )


# -- the guides' pod bodies -----------------------------------------------------------


def test_basic_body_is_the_guides(offer: GpuOffer) -> None:
    body = PodRequest.from_offer(offer, name="My first pod").body()
    # the guide's body, plus the cap every request carries by default: the quote
    same_keys_in_order(body, {"pod": capped(GUIDE_POD, offer), "provider": PROVIDER})


def test_disk_size_200_body(custom: GpuOffer) -> None:
    body = PodRequest.from_offer(custom, name="My first pod", disk_gb=200).body()
    pod = capped({**GUIDE_POD, "diskSize": 200}, custom, disk_gb=200)
    same_keys_in_order(body, {"pod": pod, "provider": PROVIDER})


def test_disk_size_and_vcpus_body_and_quote(custom: GpuOffer) -> None:
    request = PodRequest.from_offer(custom, name="My first pod", disk_gb=200, vcpus=20)
    pod = capped({**GUIDE_POD, "diskSize": 200, "vcpus": 20}, custom, disk_gb=200, vcpus=20)
    expected = {"pod": pod, "provider": PROVIDER}
    same_keys_in_order(request.body(), expected)
    # "Example request with adjusted disk and vcpu": 2.69 + 0.08 + 0.06 = 2.83
    q = request.quote()
    assert (q.gpu_hr, q.vcpu_hr, q.disk_hr) == pytest.approx((2.69, 0.08, 0.06))
    assert q.total_hr == pytest.approx(2.83)


def test_max_price_body(offer: GpuOffer) -> None:
    # The guide's JSON has a trailing comma after "maxPrice": 2.70 (invalid JSON); this is
    # what it means.
    body = PodRequest.from_offer(offer, name="My first pod", max_price=2.70).body()
    same_keys_in_order(body, {"pod": {**GUIDE_POD, "maxPrice": 2.70}, "provider": PROVIDER})


def test_custom_template_body(offer: GpuOffer) -> None:
    body = PodRequest.from_offer(
        offer, name="My first pod", custom_template_id="cm2szl4a20001tl3pyq7ua6o7"
    ).body()
    pod = {
        "name": "My first pod",
        "cloudId": "n3-H100x1",
        "gpuType": "H100_80GB",
        "socket": "PCIe",
        "gpuCount": 1,
        "image": "custom_template",
        "customTemplateId": "cm2szl4a20001tl3pyq7ua6o7",
        "dataCenterId": "CANADA-1",
        "country": "CA",
        "security": "secure_cloud",
        "maxPrice": 1.9,
    }
    same_keys_in_order(body, {"pod": pod, "provider": PROVIDER})


def test_custom_template_accepts_explicit_custom_template_image(offer: GpuOffer) -> None:
    request = PodRequest.from_offer(
        offer, name="My first pod", image="custom_template", custom_template_id="tpl"
    )
    assert request.body()["pod"]["image"] == "custom_template"
    assert request.body()["pod"]["customTemplateId"] == "tpl"


def test_attach_one_disk_body(offer: GpuOffer) -> None:
    body = PodRequest.from_offer(offer, name="Training instance with data", disks=[DISK_ID]).body()
    guide = {
        "pod": {
            "name": "Training instance with data",
            "cloudId": "n3-H100x1",
            "gpuType": "H100_80GB",
            "socket": "PCIe",
            "gpuCount": 1,
            "image": "ubuntu_22_cuda_12",
            "dataCenterId": "CANADA-1",
            "security": "secure_cloud",
            "maxPrice": 1.9,
        },
        "provider": {"type": "hyperstack"},
        "disks": [DISK_ID],
    }
    # Where we intentionally differ: this one guide example leaves out "country", though
    # the offer has one. We always send the offer's country when it has one, as the guide's
    # own basic and multi-disk examples (same offer) do; every other key is the guide's.
    assert body["pod"].pop("country") == "CA"
    same_keys_in_order(body, guide)


def test_attach_two_disks_body_and_disk_models(offer: GpuOffer) -> None:
    body = PodRequest.from_offer(
        offer, name="Multi-disk training", disks=[disk_model(), DISK_ID_2]
    ).body()
    expected = {
        "pod": capped({**GUIDE_POD, "name": "Multi-disk training"}, offer),
        "provider": PROVIDER,
        "disks": [DISK_ID, DISK_ID_2],
    }
    same_keys_in_order(body, expected)


def test_disks_from_a_generator_or_a_single_id(offer: GpuOffer) -> None:
    # A generator is read once (the ids used to be lost after the Disk-model check), and a
    # lone id is one disk, not one "disk" per character.
    ids = (d for d in [DISK_ID, DISK_ID_2])
    assert PodRequest.from_offer(offer, name="p", disks=ids).body()["disks"] == [DISK_ID, DISK_ID_2]
    assert PodRequest.from_offer(offer, name="p", disks=DISK_ID).body()["disks"] == [DISK_ID]
    assert PodRequest.from_offer(offer, name="p", disks=disk_model()).disks == (DISK_ID,)


def test_team_and_share_with_team(offer: GpuOffer) -> None:
    body = PodRequest.from_offer(
        offer, name="My first pod", team_id="my_team_id", share_with_team=True
    ).body()
    expected = {
        "pod": capped(GUIDE_POD, offer),
        "provider": PROVIDER,
        "team": {"teamId": "my_team_id"},
        "sharedWithTeam": True,  # the guide's and the official CLI's spelling
        "shared_with_team": True,  # the spec's
    }
    same_keys_in_order(body, expected)


def test_team_member_ids(offer: GpuOffer) -> None:
    body = PodRequest.from_offer(
        offer, name="My first pod", team_id="my_team_id", team_member_ids=MEMBERS
    ).body()
    expected = {
        "pod": capped(GUIDE_POD, offer),
        "provider": PROVIDER,
        "team": {"teamId": "my_team_id"},
        "teamMemberIds": MEMBERS,
        "team_member_ids": MEMBERS,
    }
    same_keys_in_order(body, expected)


def test_share_with_team_wins_over_member_ids(offer: GpuOffer) -> None:
    # "If both are provided, sharedWithTeam takes precedence": the ids would have no
    # effect, so they are not sent.
    body = PodRequest.from_offer(
        offer, name="p", team_id="my_team_id", share_with_team=True, team_member_ids=MEMBERS
    ).body()
    assert body["sharedWithTeam"] is True
    assert "teamMemberIds" not in body


def test_no_team_keys_unless_asked(offer: GpuOffer) -> None:
    body = PodRequest.from_offer(offer, name="My first pod").body()
    assert not {"team", "sharedWithTeam", "teamMemberIds", "disks"} & set(body)


def test_env_vars(offer: GpuOffer) -> None:
    body = PodRequest.from_offer(offer, name="My first pod", env={"K": "V"}).body()
    assert body["pod"]["envVars"] == [{"key": "K", "value": "V"}]


# -- defaults are not sent --------------------------------------------------------------


def test_defaults_are_omitted(custom: GpuOffer, offer: GpuOffer) -> None:
    at_defaults = PodRequest.from_offer(
        custom, name="My first pod", disk_gb=100, vcpus=16, memory_gb=180
    )
    expected = {"pod": capped(GUIDE_POD, custom), "provider": PROVIDER}
    same_keys_in_order(at_defaults.body(), expected)
    # A fixed resource given at its fixed value is fine, and not sent either.
    fixed = PodRequest.from_offer(offer, name="My first pod", disk_gb=100, vcpus=180)
    same_keys_in_order(fixed.body(), {"pod": capped(GUIDE_POD, offer), "provider": PROVIDER})


def test_a_reduction_is_sent_and_charged(custom: GpuOffer) -> None:
    request = PodRequest.from_offer(custom, name="My first pod", vcpus=10)
    assert request.body()["pod"]["vcpus"] == 10
    assert request.quote().total_hr == pytest.approx(2.76)  # the guide's "Decreasing vcpu"


def test_default_name_and_image(offer: GpuOffer) -> None:
    request = PodRequest.from_offer(offer)
    assert request.image == "ubuntu_22_cuda_12"
    # A name is what finds a pod again after a lost answer: never left empty.
    assert request.name.startswith("h100-80gb")
    assert request.body()["pod"]["name"] == request.name
    disk = DiskRequest.from_offer(DiskOffer.model_validate(GUIDE_DISK_OFFER_JSON), size_gb=10)
    assert disk.name
    assert disk.body()["disk"]["name"] == disk.name


# -- refusals ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"disk_gb": 205}, "step"),
        ({"vcpus": 21}, "step"),
        ({"disk_gb": 40}, "out of range"),
        ({"disk_gb": 1010}, "out of range"),
        ({"vcpus": 34}, "out of range"),
        ({"memory_gb": 200}, "fixed"),
        ({"image": "windows_11"}, "not offered"),
        ({"image": "custom_template"}, "custom_template_id"),
        ({"image": "ubuntu_22_cuda_12", "custom_template_id": "tpl"}, "custom template"),
        ({"share_with_team": True, "team_id": None}, "team"),
        ({"team_member_ids": MEMBERS, "team_id": None}, "team"),
        ({"max_price": 0}, "max_price"),
        ({"name": "bad/name"}, "name"),
    ],
)
def test_refused_before_sending(custom: GpuOffer, kwargs: dict[str, Any], needle: str) -> None:
    with pytest.raises(pm.ConfigurationError, match=needle):
        PodRequest.from_offer(custom, **{"name": "My first pod", **kwargs})


def test_fixed_resource_cannot_change(offer: GpuOffer) -> None:
    with pytest.raises(pm.ConfigurationError, match="fixed at 100"):
        PodRequest.from_offer(offer, name="My first pod", disk_gb=200)


def test_disk_not_active_is_refused(offer: GpuOffer) -> None:
    with pytest.raises(pm.ConfigurationError, match="PROVISIONING"):
        PodRequest.from_offer(offer, name="p", disks=[disk_model(status="PROVISIONING")])


def test_disk_in_another_data_center_is_refused(offer: GpuOffer) -> None:
    with pytest.raises(pm.ConfigurationError, match="US-1"):
        PodRequest.from_offer(offer, name="p", disks=[disk_model(data_center="US-1")])


def test_disk_of_another_provider_is_refused(offer: GpuOffer) -> None:
    with pytest.raises(pm.ConfigurationError, match="runpod"):
        PodRequest.from_offer(offer, name="p", disks=[disk_model(provider="runpod")])


def test_active_disk_in_the_same_place_is_accepted(offer: GpuOffer) -> None:
    request = PodRequest.from_offer(offer, name="p", disks=[disk_model()])
    assert request.disks == (DISK_ID,)


# -- from a DataFrame row -------------------------------------------------------------


@pytest.mark.parametrize(
    ("which", "kwargs"),
    [
        ("guide", {}),
        ("guide", {"max_price": 2.7, "disks": [DISK_ID], "team_id": "t", "share_with_team": True}),
        ("custom", {"disk_gb": 200, "vcpus": 20}),
        ("custom", {"vcpus": 10, "image": "flux"}),
    ],
)
def test_row_gives_the_same_request_as_the_model(
    offer: GpuOffer, custom: GpuOffer, which: str, kwargs: dict[str, Any]
) -> None:
    model = offer if which == "guide" else custom
    row = frames.availability_frame([model]).iloc[0]
    from_row = PodRequest.from_offer(row, name="My first pod", **kwargs)
    from_model = PodRequest.from_offer(model, name="My first pod", **kwargs)
    same_keys_in_order(from_row.body(), from_model.body())
    assert json.loads(json.dumps(from_row.body())) == from_model.body()  # plain JSON types
    assert from_row.quote().total_hr == pytest.approx(from_model.quote().total_hr)


def test_row_checks_like_the_model(custom: GpuOffer, offer: GpuOffer) -> None:
    row = frames.availability_frame([custom]).iloc[0]
    with pytest.raises(pm.ConfigurationError, match="step"):
        PodRequest.from_offer(row, name="p", disk_gb=205)
    with pytest.raises(pm.ConfigurationError, match="not offered"):
        PodRequest.from_offer(row, name="p", image="windows_11")
    fixed_row = frames.availability_frame([offer]).iloc[0]
    with pytest.raises(pm.ConfigurationError, match="fixed"):
        PodRequest.from_offer(fixed_row, name="p", vcpus=20)


# -- disks ------------------------------------------------------------------------------


def test_disk_body_is_the_guides(disk_offer: DiskOffer) -> None:
    request = DiskRequest.from_offer(disk_offer, size_gb=500, name="ml-training-data")
    guide = {
        "disk": {"size": 500, "name": "ml-training-data", "dataCenterId": "US-1"},
        "provider": {"type": "hyperstack"},
    }
    body = request.body()
    # Where we intentionally differ: the guide's request leaves out "country", though its
    # disk offer has "country": "US". We send the offer's country (prime-api.md's create
    # body has it) so that location is never ambiguous; every other key is the guide's.
    assert body["disk"].pop("country") == "US"
    same_keys_in_order(body, guide)
    assert "cloudId" not in request.body()["disk"]  # null in the offer: not sent


def test_disk_body_sends_cloud_id_and_team_when_given(disk_offer: DiskOffer) -> None:
    offer = disk_offer.model_copy(update={"cloud_id": "NVMe_Shared"})
    body = DiskRequest.from_offer(offer, size_gb=10, name="d", team_id="my_team_id").body()
    assert body["disk"]["cloudId"] == "NVMe_Shared"
    assert body["team"] == {"teamId": "my_team_id"}


def test_disk_quote(disk_offer: DiskOffer) -> None:
    request = DiskRequest.from_offer(disk_offer, size_gb=500, name="ml-training-data")
    assert request.quote_hr == pytest.approx(0.075)  # 500 GB × $0.00015


@pytest.mark.parametrize("size", [100_001, 0, -5])
def test_disk_size_out_of_range(disk_offer: DiskOffer, size: int) -> None:
    with pytest.raises(pm.ConfigurationError, match="size"):
        DiskRequest.from_offer(disk_offer, size_gb=size, name="d")


def test_disk_size_off_step() -> None:
    spec = {**GUIDE_DISK_OFFER_JSON["spec"], "minCount": 10, "step": 10}
    offer = DiskOffer.model_validate({**GUIDE_DISK_OFFER_JSON, "spec": spec})
    with pytest.raises(pm.ConfigurationError, match="step"):
        DiskRequest.from_offer(offer, size_gb=25, name="d")


def test_disk_request_from_a_disk_availability_row(disk_offer: DiskOffer) -> None:
    row = frames.disk_availability_frame([disk_offer], None).iloc[0]
    from_row = DiskRequest.from_offer(row, size_gb=500, name="ml-training-data")
    from_model = DiskRequest.from_offer(disk_offer, size_gb=500, name="ml-training-data")
    same_keys_in_order(from_row.body(), from_model.body())
    assert json.loads(json.dumps(from_row.body())) == from_model.body()
    assert from_row.quote_hr == pytest.approx(0.075)
    with pytest.raises(pm.ConfigurationError):
        DiskRequest.from_offer(row, size_gb=100_001)


# -- previews never show the key ------------------------------------------------------


def test_curl_uses_the_environment_variable(
    offer: GpuOffer, disk_offer: DiskOffer, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "pit_live_0123456789abcdef"
    monkeypatch.setenv("PRIME_API_KEY", secret)
    client = pm.Client(api_key=secret, base_url="https://api.primeintellect.ai")
    try:
        for request in (
            PodRequest.from_offer(offer, name="My first pod"),
            DiskRequest.from_offer(disk_offer, size_gb=500, name="ml-training-data"),
        ):
            line = request.curl(client.settings.base_url)
            assert "$PRIME_API_KEY" in line
            assert secret not in line
            assert "--request POST" in line
            assert line.startswith("curl ")
            assert json.dumps(request.body()) in line
    finally:
        client.close()
    assert "/api/v1/pods/" in PodRequest.from_offer(offer, name="My first pod").curl()


def test_requests_are_frozen(offer: GpuOffer) -> None:
    request = PodRequest.from_offer(offer, name="My first pod")
    with pytest.raises(AttributeError):
        request.name = "other"  # type: ignore[misc]


def test_the_configured_team_is_applied_once_and_none_means_none(offer: GpuOffer) -> None:
    configured = Settings(secret=Secret("k"), team_id="configured-team")
    default = PodRequest.from_offer(offer, name="My first pod")
    assert default.for_settings(configured).body()["team"] == {"teamId": "configured-team"}
    personal = PodRequest.from_offer(offer, name="My first pod", team_id=None)
    assert "team" not in personal.for_settings(configured).body()
    sharing = PodRequest.from_offer(offer, name="My first pod", share_with_team=True)
    with pytest.raises(pm.ConfigurationError, match="team"):
        sharing.for_settings(Settings(secret=Secret("k")))  # nothing configured to share with


def test_every_body_carries_socket_and_an_offer_without_one_is_refused(offer: GpuOffer) -> None:
    assert PodRequest.from_offer(offer, name="My first pod").body()["pod"]["socket"] == "PCIe"
    with pytest.raises(pm.ConfigurationError, match="socket"):
        PodRequest.from_offer(offer.model_copy(update={"socket": None}), name="x")
