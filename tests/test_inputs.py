"""The doors that refuse what cannot be meant, and the key that never shows.

- Ids: an id is one path segment of the API's shape, or nothing is sent. Before,
  ``terminate_pod("../disks/ID")`` went out as ``DELETE /pods/../disks/ID``, which httpx
  resolves to ``DELETE /disks/ID``: a pod command deleted a disk.
- Numbers: inf, nan and values beyond anything billable are refused by the Python API,
  the magics' arguments and the forms, before a create can carry them.
- Base URLs: plain http:// leaves the machine only when asked for; credentials in a base
  URL are refused, and never echoed.
- The key: held in a ``Secret``, sent by an ``httpx.Auth``; no repr, traceback local or
  warning shows it.
"""

from __future__ import annotations

import math
import threading
import traceback
import warnings
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pandas as pd
import pytest
from IPython.core.error import UsageError

import prime_magics as pm
from prime_magics import inputs
from prime_magics.capacity.match import WatchQuery
from prime_magics.config import Secret, Settings
from prime_magics.errors import ConfigurationError
from prime_magics.magics._context import hours_arg, positive_float, positive_int, price_cap
from prime_magics.models import DiskOffer, GpuOffer
from prime_magics.provisioning import DiskRequest, PodRequest
from prime_magics.sandbox import SandboxServer
from prime_magics.transport.http import RetryPolicy, Transport
from tests.magic_fixtures import Cell, Shell, requests
from tests.test_provisioning import CUSTOM_OFFER_JSON, GUIDE_DISK_OFFER_JSON, GUIDE_OFFER_JSON
from tests.widget_fixtures import calls, custom_row, disk_row

pytest_plugins = ("tests.magic_fixtures",)

KEY = "pk-live-0a1b2c3d4e5f-DO-NOT-SHOW"
POD_ID = "0123456789abcdef0123456789abcdef"  # the sandbox's shape: 32 hex digits

# -- ids -----------------------------------------------------------------------------------

BAD_IDS = [
    "..", ".", "../disks/abc", "a/b", "/", "a?b", "a#b", "a b", " ", "", "\t", "a\nb",
    "%2e%2e", "abc/..", "x" * 129, "é",
]  # fmt: skip


@pytest.mark.parametrize("bad", BAD_IDS)
def test_an_id_that_is_not_one_path_segment_is_refused(bad: str) -> None:
    with pytest.raises(ConfigurationError) as refused:
        inputs.path_id("pod_id", bad, "pod id")
    error = refused.value
    assert error.field == "pod_id"
    assert error.message.startswith(f"pod_id={bad!r}"[:40]) and "not a pod id" in error.message
    assert "\n" not in error.message  # one line, whatever the id held
    assert error.named("ID").message.startswith("ID ")  # how a magic says it


@pytest.mark.parametrize("good", [POD_ID, "team-0a1b2c", "user_7", "A-Z_09", "x" * 128])
def test_the_apis_ids_pass_unchanged_as_one_segment(good: str) -> None:
    assert inputs.path_id("disk_id", good, "disk id") == good


def test_a_non_string_id_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="not a team id"):
        inputs.path_id("team_id", None, "team id")


class Recording:
    """A MockTransport handler that records every request and answers 200 with ``{}``."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(200, json={})


RESOURCE_CALLS: dict[str, Callable[[pm.Client, str], object]] = {
    "pod": lambda c, i: c.pod(i),
    "pod_logs": lambda c, i: c.pod_logs(i),
    "pod_status": lambda c, i: c.pod_status([POD_ID, i]),
    "describe_pod_termination": lambda c, i: c.describe_pod_termination(i),
    "terminate_pod": lambda c, i: c.terminate_pod(i, confirm=True),
    "ssh_command": lambda c, i: c.ssh_command(i),
    "disk": lambda c, i: c.disk(i),
    "rename_disk": lambda c, i: c.rename_disk(i, "new-name"),
    "describe_disk_deletion": lambda c, i: c.describe_disk_deletion(i),
    "delete_disk": lambda c, i: c.delete_disk(i, confirm=True),
    "set_primary_ssh_key": lambda c, i: c.set_primary_ssh_key(i),
    "delete_ssh_key": lambda c, i: c.delete_ssh_key(i),
    "team_members": lambda c, i: c.team_members(i),
}


@pytest.mark.parametrize("call", RESOURCE_CALLS.values(), ids=RESOURCE_CALLS.keys())
@pytest.mark.parametrize("bad", ["../disks/" + POD_ID, "..", "a?b=c", "a#x", ""])
def test_every_method_that_puts_an_id_in_a_path_refuses_before_sending(
    mock_client: Callable[..., pm.Client], call: Callable[[pm.Client, str], object], bad: str
) -> None:
    handler = Recording()
    client = mock_client(handler)
    with pytest.raises(ConfigurationError) as refused:
        call(client, bad)
    defaulted = bad == "" and call is RESOURCE_CALLS["team_members"]  # "": the configured team
    assert defaulted or (refused.value.field or "").endswith("_id")
    assert handler.requests == []


def test_terminating_a_pod_id_that_climbs_to_a_disk_deletes_nothing(
    client: pm.Client, sandbox: SandboxServer
) -> None:
    """The exploit itself: ``../disks/ID`` on a pod command. Nothing may be deleted."""
    disk = client.create_disk(DiskRequest.from_offer(disk_row(client, "CANADA-1"), 50))
    with pytest.raises(ConfigurationError, match="not a pod id"):
        client.terminate_pod(f"../disks/{disk.id}", confirm=True)
    assert calls(sandbox, "DELETE", f"/disks/{disk.id}") == []
    assert sandbox.state.live_disk_ids() == [disk.id]


def test_the_magic_says_it_in_one_red_line_naming_the_argument(
    ip: Shell, prime_sandbox: SandboxServer
) -> None:
    client = pm.get_client()
    disk = client.create_disk(DiskRequest.from_offer(disk_row(client, "CANADA-1"), 50))
    cell = Cell(ip, f"%prime pods terminate ../disks/{disk.id} --yes")
    assert isinstance(cell.error, UsageError)
    message = str(cell.error)
    assert "\n" not in message and "argument ID" in message and "not a pod id" in message
    assert requests(prime_sandbox, "DELETE", f"/api/v1/disks/{disk.id}") == []
    assert prime_sandbox.state.live_disk_ids() == [disk.id]


def test_a_delete_preview_of_another_resource_is_refused_not_described(
    ip: Shell, prime_sandbox: SandboxServer
) -> None:
    """``disks delete ../pods/ID`` without --yes must not describe (GET) the pod."""
    cell = Cell(ip, f"%prime disks delete ../pods/{POD_ID}")
    assert isinstance(cell.error, UsageError) and "not a disk id" in str(cell.error)
    assert [r for r in prime_sandbox.requests if POD_ID in r.path] == []
    assert "Delete disk" not in cell.text


@pytest.mark.parametrize(
    "line",
    [
        "%prime disks get ..",
        "%prime disks rename ../x new",
        "%prime ssh-keys delete ../pods/x",
        "%prime ssh-keys primary a/b",
        "%prime teams members ../x",
        "%prime pods status ok-1 ../x",
        "%prime pods create --cloud-id x --data-center y --disks ../x",
    ],
)
def test_each_magic_id_argument_is_checked(
    ip: Shell, prime_sandbox: SandboxServer, line: str
) -> None:
    cell = Cell(ip, line)
    assert isinstance(cell.error, UsageError), cell.text
    assert "\n" not in str(cell.error) and "(letters, digits, - and _ only)" in str(cell.error)
    assert prime_sandbox.requests == []


# -- numbers -------------------------------------------------------------------------------

NOT_FINITE = [math.inf, -math.inf, math.nan]


@pytest.mark.parametrize("value", [*NOT_FINITE, 10_000.5, 1e300, 10**400, 0, -1, True, "2"])
def test_hours_refuse_what_no_one_can_mean(value: object) -> None:
    with pytest.raises(ConfigurationError) as refused:
        inputs.hours("max_hours", value)
    assert refused.value.field == "max_hours" and refused.value.message.startswith("max_hours=")
    assert "10,000 hours" in refused.value.message


def test_the_bounds_themselves_are_accepted() -> None:
    assert inputs.hours("h", 10_000) == 10_000.0 and inputs.hours("h", 0.01) == 0.01
    assert inputs.price_hr("p", 10_000) == 10_000.0
    assert inputs.usd("u", 1_000_000) == 1_000_000.0
    assert inputs.size_gb("g", 1_000_000) == 1_000_000 and inputs.count("n", 10_000) == 10_000
    for check, over in [
        (inputs.price_hr, 10_000.01), (inputs.usd, 1_000_001), (inputs.size_gb, 1_000_001),
        (inputs.count, 10_001), (inputs.count, 2.5),
    ]:  # fmt: skip
        with pytest.raises(ConfigurationError):
            check("x", over)


@pytest.mark.parametrize("value", [*NOT_FINITE, 10_001, 1e9])
def test_a_pod_request_refuses_unbillable_hours(value: float) -> None:
    with pytest.raises(ConfigurationError) as refused:
        PodRequest.from_offer(GUIDE_OFFER_JSON, name="p", max_hours=value)
    assert refused.value.field == "max_hours"


@pytest.mark.parametrize("value", [*NOT_FINITE, 10_001.0, 1e12])
def test_a_pod_request_refuses_unbillable_price_caps(value: float) -> None:
    with pytest.raises(ConfigurationError) as refused:
        PodRequest.from_offer(GUIDE_OFFER_JSON, name="p", max_price=value)
    assert refused.value.field == "max_price"


def _unbounded(spec: dict[str, Any]) -> dict[str, Any]:
    return {**spec, "maxCount": None}


@pytest.mark.parametrize(
    ("part", "field", "value"),
    [
        ("disk", "disk_gb", 10**12), ("disk", "disk_gb", math.inf), ("disk", "disk_gb", math.nan),
        ("vcpu", "vcpus", 10_002), ("vcpu", "vcpus", math.inf),
    ],
)  # fmt: skip
def test_counts_beyond_any_machine_are_refused_even_when_the_offer_names_no_maximum(
    part: str, field: str, value: float
) -> None:
    offer = GpuOffer.model_validate(
        {**CUSTOM_OFFER_JSON, part: _unbounded(CUSTOM_OFFER_JSON[part])}, by_alias=True
    )
    with pytest.raises(ConfigurationError) as refused:
        pm.quote(offer, **{field: value})  # type: ignore[arg-type]
    assert refused.value.field == field
    with pytest.raises(ConfigurationError):
        PodRequest.from_offer(offer, name="p", **{field: value})  # type: ignore[arg-type]


@pytest.mark.parametrize("size", [10**7, math.inf, math.nan])
def test_a_disk_beyond_a_petabyte_is_refused(size: float) -> None:
    offer = DiskOffer.model_validate(
        {**GUIDE_DISK_OFFER_JSON, "spec": _unbounded(GUIDE_DISK_OFFER_JSON["spec"])},
        by_alias=True,
    )
    with pytest.raises(ConfigurationError) as refused:
        DiskRequest.from_offer(offer, size)  # type: ignore[arg-type]
    assert refused.value.field == "size_gb"
    with pytest.raises(ConfigurationError):
        DiskRequest(size_gb=size, data_center_id="US-1", provider="hyperstack")  # type: ignore[arg-type]


@pytest.mark.parametrize("cap", ["max_total", "max_price_per_gpu"])
@pytest.mark.parametrize("value", [*NOT_FINITE, 1e9])
def test_a_watchs_caps_refuse_what_cannot_be_a_price(cap: str, value: float) -> None:
    with pytest.raises(ConfigurationError) as refused:
        WatchQuery(**{cap: value})  # type: ignore[arg-type]
    assert refused.value.field == cap


@pytest.mark.parametrize("text", ["inf", "-inf", "nan", "1e999", "1e12", "0", "-3"])
def test_the_magics_number_arguments_refuse_inf_nan_and_huge(text: str) -> None:
    import argparse

    for parse in (positive_float, hours_arg, price_cap):
        with pytest.raises(argparse.ArgumentTypeError):
            parse(text)


def test_the_magics_count_arguments_refuse_huge() -> None:
    import argparse

    with pytest.raises(argparse.ArgumentTypeError):
        positive_int(str(10**12))
    assert positive_int("1000000") == 1_000_000


@pytest.mark.parametrize(
    ("flag", "value"),
    [("--max-hours", "inf"), ("--max-hours", "20000"), ("--max-price", "inf"),
     ("--max-price", "1e12"), ("--disk-size", "99999999999"), ("--vcpus", "100000")],
)  # fmt: skip
def test_pods_create_refuses_them_in_one_line_naming_the_flag(
    ip: Shell, prime_sandbox: SandboxServer, flag: str, value: str
) -> None:
    Cell(ip, "offers = %prime availability list --gpu-type H100_80GB")
    cell = Cell(ip, f"%prime pods create --offer offers[0] {flag} {value} --yes")
    assert isinstance(cell.error, UsageError), cell.text
    assert flag in str(cell.error) and "\n" not in str(cell.error)
    assert requests(prime_sandbox, "POST", "/api/v1/pods") == []


@pytest.mark.parametrize("flag", ["--max-total", "--max-price-per-gpu", "--max-hours"])
def test_the_watch_magic_refuses_an_infinite_cap(
    ip: Shell, prime_sandbox: SandboxServer, flag: str
) -> None:
    cell = Cell(ip, f"%prime availability watch --gpu-type H100_80GB --max-total 3 {flag} inf")
    assert isinstance(cell.error, UsageError) and flag in str(cell.error)


@pytest.mark.parametrize("value", [*NOT_FINITE, 1e9])
def test_a_watch_that_rents_first_refuses_endless_hours(client: pm.Client, value: float) -> None:
    """``pm.watch(rent_first=True, max_hours=nan)`` would rent a pod no deadline ends."""
    with pytest.raises(ConfigurationError) as refused:
        pm.watch(
            gpu_type="H100_80GB", max_total=3.0, rent_first=True, max_hours=value,
            client=client, start=False,
        )  # fmt: skip
    assert refused.value.field == "max_hours"


@pytest.fixture
def form(client: pm.Client) -> Iterator[Any]:
    from prime_magics.widgets import ProvisionForm

    made = ProvisionForm(custom_row(client), client=client, name="bounded", autostart=False)
    yield made
    made.close()


@pytest.mark.parametrize(
    ("control", "value", "field"),
    [("stop_after", 20_000.0, "max_hours"), ("stop_after", math.nan, "max_hours"),
     ("max_price", 1e6, "max_price"), ("max_price", math.nan, "max_price")],
)  # fmt: skip
def test_the_form_cannot_send_an_unbillable_number(
    form: Any, sandbox: SandboxServer, control: str, value: float, field: str
) -> None:
    if control == "max_price":
        form.cap_mode.value = "given"
    getattr(form, control).value = value
    assert form.request is None and field in form.problem.value
    assert form.provision_button.disabled
    form.provision_button.click()  # click() ignores `disabled`; the handler must not
    form.confirm_button.click()
    assert calls(sandbox, "POST", "/pods") == []


def test_the_disk_form_cannot_send_an_unbillable_size(
    client: pm.Client, sandbox: SandboxServer
) -> None:
    from prime_magics.widgets import DiskForm

    form = DiskForm(client, data_center="CANADA-1")
    try:
        form.size.value = 10**9
        assert form.request is None and "size_gb" in form.problem.value
        form.create_button.click()
        form.confirm_button.click()
        assert calls(sandbox, "POST", "/disks") == []
    finally:
        form.close()


# -- base URLs -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["http://api.example.com", "http://10.0.0.5:8000", "http://[2001:db8::1]"]
)
def test_plain_http_to_another_host_is_refused(url: str) -> None:
    with pytest.raises(ConfigurationError) as refused:
        Settings.resolve(api_key=KEY, base_url=url, env={})
    assert refused.value.field == "base_url" and "PRIME_ALLOW_INSECURE" in str(refused.value)
    with pytest.raises(ConfigurationError):
        Settings(secret=Secret(KEY), base_url=url)
    with pytest.raises(ConfigurationError):
        pm.Client(api_key=KEY, base_url=url)


def test_plain_http_is_allowed_when_asked_for() -> None:
    url = "http://api.example.com"
    assert Settings.resolve(base_url=url, env={"PRIME_ALLOW_INSECURE": "1"}).base_url == url
    assert Settings.resolve(base_url=url, env={}, allow_insecure=True).allow_insecure
    with pytest.raises(ConfigurationError):
        Settings.resolve(base_url=url, env={"PRIME_ALLOW_INSECURE": "0"})


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8765", "http://127.1.2.3", "http://localhost:9", "http://[::1]:80",
     "https://api.example.com"],
)  # fmt: skip
def test_loopback_and_https_need_nothing(url: str) -> None:
    Settings.resolve(base_url=url, env={})


@pytest.mark.parametrize(
    "url", ["https://user:hunter2@api.example.com", "https://hunter2@api.example.com"]
)
def test_credentials_in_a_base_url_are_refused_and_never_echoed(url: str) -> None:
    with pytest.raises(ConfigurationError) as refused:
        Settings.resolve(base_url=url, env={})
    assert "hunter2" not in str(refused.value) and "credentials" in str(refused.value)
    with pytest.raises(ConfigurationError) as direct:
        Settings(base_url=url)
    assert "hunter2" not in str(direct.value)


def test_a_malformed_base_url_is_not_echoed_with_its_credentials() -> None:
    with pytest.raises(ConfigurationError) as refused:
        Settings.resolve(base_url="ftp://user:hunter2@api.example.com", env={})
    assert "hunter2" not in str(refused.value)


def test_the_config_magic_refuses_to_save_an_insecure_url(ip: Shell, home: Any) -> None:
    cell = Cell(ip, "%prime config --base-url http://api.example.com")
    assert isinstance(cell.error, UsageError) and "http://" in str(cell.error)
    assert not (home / ".prime" / "config.json").exists()


# -- the key -------------------------------------------------------------------------------


def test_a_secret_never_shows_but_can_be_revealed() -> None:
    secret = Secret(KEY)
    for text in (repr(secret), str(secret), f"{secret}", f"{secret!r}", f"{secret:>40}"):
        assert KEY not in text
    assert secret.reveal() == KEY and secret == KEY and secret == Secret(KEY)
    assert secret != "other" and hash(secret) == hash(Secret(KEY))


def test_no_repr_holds_the_key() -> None:
    settings = Settings.resolve(api_key=KEY, base_url="https://api.example.com", env={})
    assert settings.api_key == KEY and isinstance(settings.secret, Secret)
    assert settings.secret == KEY and KEY not in repr(settings.secret)
    transport = Transport(settings)
    client = pm.Client(settings=settings)
    try:
        texts = [repr(settings), str(settings), repr(transport), repr(client)]
        texts += [repr(vars(transport)), repr(transport._http.auth)]
        for text in texts:
            assert KEY not in text
    finally:
        transport.close()
        client.close()


def _traceback_with_locals(error: BaseException) -> str:
    formatted = traceback.TracebackException.from_exception(error, capture_locals=True)
    return "".join(formatted.format())


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
@pytest.mark.parametrize("failure", [httpx.ReadTimeout, RuntimeError])
def test_a_traceback_with_every_local_does_not_hold_the_key(
    method: str, failure: type[Exception]
) -> None:
    """``%xmode Verbose`` prints every frame's locals: none of them may be the key, be it
    an expected failure (a timeout, chained) or a bug raised in the middle of a request."""
    sent_the_key: list[bool] = []  # not the header itself: the handler's frame shows it

    def handler(request: httpx.Request) -> httpx.Response:
        sent_the_key.append(request.headers["authorization"] == "Bearer " + KEY)
        if failure is httpx.ReadTimeout:
            raise httpx.ReadTimeout("no answer", request=request)
        raise RuntimeError("a bug mid-request")

    settings = Settings.resolve(api_key=KEY, base_url="https://api.example.com", env={})
    transport = Transport(
        settings, retry=RetryPolicy(max_attempts=1), transport=httpx.MockTransport(handler)
    )
    try:
        with pytest.raises(Exception) as raised:
            if method == "GET":
                transport.get("/pods/", what="pods")
            else:
                transport.send_once(method, "/pods/", {}, what="x", creates=("pod", "x"))
    finally:
        transport.close()
    assert sent_the_key == [True]  # it was sent: the test is not vacuous
    text = _traceback_with_locals(raised.value)
    assert "transport =" in text or "self =" in text  # locals were captured
    assert KEY not in text


def test_a_real_timeout_over_a_socket_leaves_no_key_in_the_traceback() -> None:
    release = threading.Event()

    class Silent(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            release.wait(5)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Silent)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    transport = Transport(Settings.resolve(api_key=KEY, base_url=url, env={}), timeout=0.2)
    try:
        with pytest.raises(pm.OutcomeUnknownError) as lost:
            transport.send_once("POST", "/pods/", {}, what="create", creates=("pod", "x"))
    finally:
        release.set()
        transport.close()
        server.shutdown()
        server.server_close()
    assert KEY not in _traceback_with_locals(lost.value)


def test_a_refused_setting_leaves_without_the_environment_or_the_file(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bad base URL or a corrupt config file is refused where ``os.environ`` and the
    file's text (both holding the key) are locals: the traceback must not carry them."""
    monkeypatch.setenv("PRIME_API_KEY", KEY)
    with pytest.raises(ConfigurationError) as refused:
        Settings.resolve(base_url="http://api.example.com")
    assert KEY not in _traceback_with_locals(refused.value)
    corrupt = tmp_path / "config.json"
    corrupt.write_text(f'{{"api_key": "{KEY}", "base_url": ')
    monkeypatch.delenv("PRIME_API_KEY")
    with pytest.raises(ConfigurationError, match="not valid JSON") as unreadable:
        Settings.resolve(config_path=corrupt)
    assert KEY not in _traceback_with_locals(unreadable.value)


def test_an_unreadable_value_echoing_the_key_is_not_in_the_warning(
    mock_client: Callable[..., pm.Client],
) -> None:
    pod = {"id": POD_ID, "name": "echo", "status": "ACTIVE", "gpuCount": KEY, "priceHr": KEY}

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"data": [pod], "totalCount": 1})

    client = mock_client(handler, api_key=KEY)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        frame = client.pods()
    assert isinstance(frame, pd.DataFrame)
    said = [str(w.message) for w in caught]
    assert any("could not be read" in text for text in said)  # the warning did come
    assert all(KEY not in text for text in said)


def test_an_error_echoing_the_key_does_not_show_it(mock_client: Callable[..., pm.Client]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"detail": f"bad key {KEY}"})

    client = mock_client(handler, api_key=KEY)
    with pytest.raises(pm.AuthenticationError) as refused:
        client.pod(POD_ID)
    assert KEY not in str(refused.value) and KEY not in repr(refused.value.detail)
    assert KEY not in _traceback_with_locals(refused.value)


def test_a_key_is_scrubbed_after_an_equal_secret_is_collected() -> None:
    """Two Secrets of one key: collecting the first must not stop scrubbing the second
    (a set by value would have kept only the first, then lost it)."""
    import gc

    from prime_magics.config import Secret, scrub_secrets

    first = Secret(KEY)
    second = Secret(KEY)
    del first
    gc.collect()
    assert KEY not in scrub_secrets(f"echo {KEY}") and second.reveal() == KEY
