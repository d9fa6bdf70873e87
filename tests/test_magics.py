"""``%prime`` driven in-process in an IPython shell, against the embedded sandbox.

Each test runs cells as a user would (``ip.run_cell("df = %prime …")``) and reads what the
cell showed (stdout, stderr and displayed objects) and what the sandbox received.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import ExecutionResult, InteractiveShell
from IPython.utils.capture import capture_output
from traitlets.config import Config

import prime_magics as pm
from prime_magics import api
from prime_magics.frames import COST_COLUMNS
from prime_magics.magics import _cli
from prime_magics.sandbox import SandboxConfig, SandboxServer, start_sandbox

FAKE_KEY = "sk-test-0123456789abcdef"
Shell = Any  # InteractiveShell: its methods are only partly typed


# -- fixtures ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    config = SandboxConfig(provision_seconds=0.1, disk_provision_seconds=0.1)
    with start_sandbox(config) as running:
        yield running


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty HOME and no PRIME_* variables: the real ~/.prime is never read or written."""
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in [n for n in os.environ if n.startswith("PRIME_")]:
        monkeypatch.delenv(name)
    return tmp_path


@pytest.fixture
def ip(home: Path) -> Iterator[Shell]:
    """The process's IPython shell with ``%prime`` loaded (unloaded afterwards)."""
    if InteractiveShell.initialized():
        shell: Shell = InteractiveShell.instance()
    else:
        config = Config()
        config.HistoryManager.hist_file = ":memory:"
        shell = InteractiveShell.instance(config=config)
    shell.extension_manager.load_extension("prime_magics")
    yield shell
    shell.extension_manager.unload_extension("prime_magics")
    api.stop_sandbox()
    pm.set_client(None)


@pytest.fixture
def sandbox(server: SandboxServer, ip: Shell) -> Iterator[SandboxServer]:
    """The default client talks to a fresh sandbox with a fake (but non-empty) key."""
    server.reset()
    pm.set_client(pm.Client(api_key=FAKE_KEY, base_url=server.url))
    yield server
    server.reset()


class Cell:
    """What one cell did: its result and everything it showed, as plain text."""

    def __init__(self, ip: Shell, source: str) -> None:
        with capture_output() as captured:
            self.result: ExecutionResult = ip.run_cell(source)
        shown = [o.data.get("text/plain", "") for o in captured.outputs]
        self.html = "".join(o.data.get("text/html", "") for o in captured.outputs)
        self.stdout, self.stderr = captured.stdout, captured.stderr
        self.text = "\n".join([self.stdout, self.stderr, *shown])

    @property
    def error(self) -> BaseException | None:
        error: BaseException | None = self.result.error_in_exec
        return error


def requests(server: SandboxServer, method: str, path: str) -> list[Any]:
    return [r for r in server.requests if r.method == method and r.path.rstrip("/") == path]


# -- availability ------------------------------------------------------------------------


def test_availability_list_assigns_a_dataframe_of_the_gpu_type(
    ip: Shell, sandbox: SandboxServer
) -> None:
    cell = Cell(ip, "df = %prime availability list --gpu-type H100_80GB")
    assert cell.error is None, cell.text
    df = ip.user_ns["df"]
    assert isinstance(df, pd.DataFrame) and len(df) > 0
    assert set(df["gpu_type"]) == {"H100_80GB"}
    assert set(COST_COLUMNS) <= set(df.columns)
    assert df["total_hr"].dropna().is_monotonic_increasing


def test_regions_reach_the_api_as_repeated_parameters(ip: Shell, sandbox: SandboxServer) -> None:
    cell = Cell(ip, "df = %prime availability list --regions united_states canada")
    assert cell.error is None, cell.text
    first = requests(sandbox, "GET", "/api/v1/availability/gpus")[0]
    assert [v for k, v in first.query if k == "regions"] == ["united_states", "canada"]


def test_dollar_and_brace_variables_are_expanded(ip: Shell, sandbox: SandboxServer) -> None:
    ip.user_ns["gpu"] = "A100_80GB"
    Cell(ip, "a = %prime availability list --gpu-type $gpu --gpu-count {1 + 1}")
    assert set(ip.user_ns["a"]["gpu_type"]) <= {"A100_80GB"}
    assert set(ip.user_ns["a"]["gpu_count"]) <= {2}
    sent = requests(sandbox, "GET", "/api/v1/availability/gpus")[0].query
    assert ("gpu_type", "A100_80GB") in sent and ("gpu_count", "2") in sent


def test_availability_disks_with_size_adds_the_cost(ip: Shell, sandbox: SandboxServer) -> None:
    frame = ip.run_line_magic("prime", "availability disks --size 100")
    assert {"size_gb", "cost_hr"} <= set(frame.columns) and len(frame) > 0
    assert (frame["size_gb"] == 100).all()


def test_gpu_types_is_a_list_of_names(ip: Shell, sandbox: SandboxServer) -> None:
    types = ip.run_line_magic("prime", "availability gpu-types")
    assert isinstance(types, list) and "H100_80GB" in types
    assert all(isinstance(t, str) for t in types)


# -- errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "availability list --gpu-count many",
        "availability list --gpu-count 0",
        "availability list --no-such-option",
        "availabilty list",
        "pods create --env NOEQUALS --offer df[0]",
        "pods terminate",
        "sandbox restart",
        "availability list --gpu-type 'unbalanced",
    ],
)
def test_bad_arguments_are_one_usage_line_without_traceback(ip: Shell, line: str) -> None:
    with pytest.raises(UsageError) as raised:
        ip.run_line_magic("prime", line)
    assert type(raised.value) is UsageError
    assert "\n" not in str(raised.value)
    cell = Cell(ip, f"%prime {line}")
    assert type(cell.error) is UsageError
    assert cell.stderr.strip() == f"UsageError: {raised.value}"
    assert "Traceback" not in cell.text


def test_an_api_error_becomes_a_usage_error_with_its_message(
    ip: Shell, sandbox: SandboxServer
) -> None:
    sandbox.faults.add("GET", "/availability/gpus", status=401, times=None,
                       body={"detail": "Invalid API key"}, match_query={"page": 1})  # fmt: skip
    with pytest.raises(pm.AuthenticationError) as expected:
        pm.get_client().availability(refresh=True)
    with pytest.raises(UsageError) as raised:
        ip.run_line_magic("prime", "availability list --refresh")
    assert type(raised.value) is UsageError
    assert isinstance(raised.value.__cause__, pm.AuthenticationError)
    assert str(raised.value) == str(raised.value.__cause__) == str(expected.value)
    assert "%prime login" in str(raised.value)
    ip.user_ns.pop("never_set", None)
    cell = Cell(ip, "never_set = %prime availability list --refresh")
    assert type(cell.error) is UsageError and "never_set" not in ip.user_ns
    assert "Traceback" not in cell.text and "Invalid API key" in cell.stderr


def test_a_missing_key_is_a_message_not_a_traceback(ip: Shell, server: SandboxServer) -> None:
    pm.set_client(pm.Client(api_key="", base_url=server.url))
    cell = Cell(ip, "%prime availability list")
    assert type(cell.error) is UsageError
    assert "No Prime Intellect API key" in cell.stderr and "Traceback" not in cell.text


def test_short_errors_off_brings_the_prime_error_back(ip: Shell, server: SandboxServer) -> None:
    pm.set_client(pm.Client(api_key="", base_url=server.url))
    ip.run_line_magic("config", "PrimeMagics.short_errors = False")
    try:
        with pytest.raises(pm.ConfigurationError):
            ip.run_line_magic("prime", "availability list")
    finally:
        ip.run_line_magic("config", "PrimeMagics.short_errors = True")


def test_bugs_keep_their_traceback(ip: Shell, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(**filters: Any) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(pm.Client, "availability", lambda self, **f: broken(**f))
    pm.set_client(pm.Client(api_key=FAKE_KEY, base_url="http://127.0.0.1:9"))
    cell = Cell(ip, "%prime availability list")
    assert isinstance(cell.error, ZeroDivisionError)
    assert "Traceback" in cell.text


# -- help --------------------------------------------------------------------------------


def test_help_prints_usage_and_the_shell_survives(ip: Shell) -> None:
    cell = Cell(ip, "%prime --help")
    assert cell.error is None and cell.result.result is None
    assert cell.stdout.startswith("usage: %prime")
    for group in ("availability", "pods", "disks", "config", "login", "sandbox"):
        assert group in cell.stdout
    assert Cell(ip, "1 + 1").result.result == 2


@pytest.mark.parametrize("path", sorted({c.path[:n] for c in _cli.COMMANDS for n in (1, 2)}))
def test_every_command_answers_help(ip: Shell, path: tuple[str, ...]) -> None:
    cell = Cell(ip, f"%prime {' '.join(path)} --help")
    assert cell.error is None, cell.text
    assert cell.stdout.startswith(f"usage: %prime {' '.join(path)}")


def test_a_group_alone_prints_its_usage(ip: Shell) -> None:
    cell = Cell(ip, "%prime pods")
    assert cell.error is None and "list" in cell.stdout and "create" in cell.stdout


def test_the_docstring_is_the_reference(ip: Shell) -> None:
    doc = ip.find_line_magic("prime").__doc__
    for command in _cli.COMMANDS:
        assert " ".join(command.path) in doc, command.path
    for option in ("--gpu-type", "--regions", "--offer", "--yes", "--base-url", "--size"):
        assert option in doc


def test_unload_removes_the_magic_and_reload_brings_it_back(ip: Shell) -> None:
    ip.extension_manager.unload_extension("prime_magics")
    assert ip.find_line_magic("prime") is None
    ip.extension_manager.load_extension("prime_magics")
    assert ip.find_line_magic("prime") is not None
    assert sum(type(c).__name__ == "PrimeMagics" for c in ip.configurables) == 1


# -- config and login --------------------------------------------------------------------


def test_config_shows_where_settings_come_from_but_never_the_key(
    ip: Shell, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRIME_API_KEY", FAKE_KEY)
    monkeypatch.setenv("PRIME_TEAM_ID", "team-42")
    cell = Cell(ip, "%prime config")
    assert cell.error is None, cell.text
    assert FAKE_KEY not in cell.text + cell.html
    assert "cdef" in cell.text and "$PRIME_API_KEY" in cell.text
    assert "team-42" in cell.text and "https://api.primeintellect.ai" in cell.text


def test_config_options_are_saved_and_the_client_reset(ip: Shell, home: Path) -> None:
    old = pm.get_client()
    cell = Cell(ip, "%prime config --base-url http://example.test/api/v1 --team-id t-1")
    assert cell.error is None, cell.text
    saved = json.loads((home / ".prime" / "config.json").read_text())
    assert saved == {"base_url": "http://example.test", "team_id": "t-1"}
    assert pm.get_client() is not old
    assert pm.get_client().settings.base_url == "http://example.test"
    assert "(config file)" in cell.text


def test_config_refuses_a_bad_url(ip: Shell, home: Path) -> None:
    cell = Cell(ip, "%prime config --base-url ftp://nope")
    assert type(cell.error) is UsageError and "http" in cell.stderr
    assert not (home / ".prime" / "config.json").exists()


def test_login_saves_the_key_privately_and_never_shows_it(
    ip: Shell, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_file = home / ".prime" / "config.json"
    config_file.parent.mkdir()
    config_file.write_text(json.dumps({"user_id": "u-1", "api_key": "old"}))
    prompts: list[str] = []

    def getpass(prompt: str = "") -> str:
        prompts.append(prompt)
        return FAKE_KEY

    monkeypatch.setattr("getpass.getpass", getpass)
    cell = Cell(ip, "%prime login")
    assert cell.error is None, cell.text
    assert len(prompts) == 1
    assert json.loads(config_file.read_text()) == {"user_id": "u-1", "api_key": FAKE_KEY}
    assert stat.S_IMODE(config_file.stat().st_mode) == 0o600
    assert FAKE_KEY not in cell.text + cell.html and "cdef" in cell.text
    assert pm.get_client().settings.api_key == FAKE_KEY


def test_login_with_nothing_typed_saves_nothing(
    ip: Shell, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "  ")
    cell = Cell(ip, "%prime login")
    assert type(cell.error) is UsageError and "nothing was saved" in cell.stderr
    assert not (home / ".prime" / "config.json").exists()


# -- the sandbox -------------------------------------------------------------------------


def test_sandbox_answers_are_labelled(ip: Shell) -> None:
    def app(request: httpx.Request) -> httpx.Response:
        body = {"H100_80GB": {"1": {"cheapest": {"onDemand": 2.0}}}}
        return httpx.Response(200, json=body, headers={"x-prime-sandbox": "1"})

    http = httpx.Client(transport=httpx.MockTransport(app))
    pm.set_client(pm.Client(api_key=FAKE_KEY, base_url="http://sim.test", http_client=http))
    cell = Cell(ip, "types = %prime availability gpu-types")
    assert cell.error is None, cell.text
    assert "[sandbox]" in cell.text and "[sandbox]" in cell.html
    assert ip.user_ns["types"] == ["H100_80GB"]


def test_real_answers_are_not_labelled(ip: Shell) -> None:
    def app(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"H100_80GB": {}})

    http = httpx.Client(transport=httpx.MockTransport(app))
    pm.set_client(pm.Client(api_key=FAKE_KEY, base_url="http://real.test", http_client=http))
    cell = Cell(ip, "types = %prime availability gpu-types")
    assert cell.error is None and "[sandbox]" not in cell.text


def test_sandbox_start_list_stop(ip: Shell) -> None:
    started = Cell(ip, "%prime sandbox")
    assert started.error is None, started.text
    server = api.sandbox_server()
    assert server is not None and server.url in started.text
    assert "no" in started.text.lower() and "money" in started.text
    listed = Cell(ip, "df = %prime availability list --gpu-count 1")
    assert listed.error is None, listed.text
    assert len(ip.user_ns["df"]) > 0 and "[sandbox]" in listed.text
    stopped = Cell(ip, "%prime sandbox stop")
    assert stopped.error is None and api.sandbox_server() is None
    assert "stopped" in stopped.text
    assert "No sandbox" in Cell(ip, "%prime sandbox stop").text


# -- pods --------------------------------------------------------------------------------


@pytest.fixture
def offers(ip: Shell, sandbox: SandboxServer) -> pd.DataFrame:
    """``offers`` in the notebook: rentable H100 offers, as a user would have them."""
    Cell(ip, "offers = %prime availability list --gpu-type H100_80GB")
    frame: pd.DataFrame = ip.user_ns["offers"]
    frame = frame[frame["stock_status"] != "Unavailable"].reset_index(drop=True)
    ip.user_ns["offers"] = frame
    return frame


def test_pods_create_without_yes_previews_and_sends_nothing(
    ip: Shell, sandbox: SandboxServer, offers: pd.DataFrame
) -> None:
    cell = Cell(ip, "r = %prime pods create --offer offers[0] --name trial-run")
    assert cell.error is None, cell.text
    assert ip.user_ns["r"] is None
    assert requests(sandbox, "POST", "/api/v1/pods") == []
    assert "Nothing was sent" in cell.text and "--yes" in cell.text
    assert "Total" in cell.text and "per month" in cell.text
    assert f'"cloudId": "{offers["cloud_id"][0]}"' in cell.text
    assert "$PRIME_API_KEY" in cell.text
    assert FAKE_KEY not in cell.text + cell.html


def test_pods_create_with_yes_sends_exactly_one_post(
    ip: Shell, sandbox: SandboxServer, offers: pd.DataFrame
) -> None:
    cell = Cell(ip, "pod = %prime pods create offers[0] --name yes-run --env A=1 B=x=y --yes")
    assert cell.error is None, cell.text
    posts = requests(sandbox, "POST", "/api/v1/pods")
    assert len(posts) == 1
    assert posts[0].json["pod"]["name"] == "yes-run"
    assert posts[0].json["pod"]["envVars"] == [
        {"key": "A", "value": "1"},
        {"key": "B", "value": "x=y"},
    ]
    pod_id = ip.user_ns["pod"]["id"]
    assert f"%prime pods status {pod_id}" in cell.text
    assert pod_id in set(ip.run_line_magic("prime", "pods list")["id"])
    assert ip.run_line_magic("prime", f"pods get {pod_id}")["name"] == "yes-run"
    status = ip.run_line_magic("prime", f"pods status {pod_id}")
    assert list(status["pod_id"]) == [pod_id]
    pm.get_client().wait_for_pod(pod_id, timeout=20, poll_interval=0.1, progress=False)
    assert "ssh -i" in Cell(ip, f"%prime pods ssh {pod_id}").text


def test_pods_terminate_needs_yes(ip: Shell, sandbox: SandboxServer, offers: pd.DataFrame) -> None:
    ip.run_line_magic("prime", "pods create --offer offers[0] --name doomed --yes")
    pod_id = ip.run_line_magic("prime", "pods list")["id"][0]
    preview = Cell(ip, f"%prime pods terminate {pod_id}")
    assert preview.error is None, preview.text
    assert "lost" in preview.text and "--yes" in preview.text
    assert requests(sandbox, "DELETE", f"/api/v1/pods/{pod_id}") == []
    done = Cell(ip, f"%prime pods terminate {pod_id} --yes")
    assert done.error is None, done.text
    assert len(requests(sandbox, "DELETE", f"/api/v1/pods/{pod_id}")) == 1


def test_pods_create_finds_a_single_offer_by_cloud_id(
    ip: Shell, sandbox: SandboxServer, offers: pd.DataFrame
) -> None:
    counts = offers.groupby(["cloud_id", "data_center"]).size()
    cloud_id, data_center = counts[counts == 1].index[0]
    cell = Cell(ip, f"%prime pods create --cloud-id '{cloud_id}' --data-center {data_center}")
    assert cell.error is None, cell.text
    assert f'"dataCenterId": "{data_center}"' in cell.text
    assert requests(sandbox, "POST", "/api/v1/pods") == []


def test_pods_create_lists_candidates_when_the_offer_is_ambiguous(
    ip: Shell, sandbox: SandboxServer
) -> None:
    frame = pm.get_client().availability()
    counts = frame.groupby(["cloud_id", "data_center"]).size()
    cloud_id, data_center = counts[counts > 1].index[0]
    cell = Cell(ip, f"%prime pods create --cloud-id '{cloud_id}' --data-center {data_center}")
    assert type(cell.error) is UsageError
    assert f"{counts[(cloud_id, data_center)]} offers match" in cell.stderr
    assert "total_hr" in cell.stderr and "Traceback" not in cell.text


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("pods create", "Which offer?"),
        ("pods create --offer nowhere[0]", "no variable 'nowhere'"),
        ("pods create --offer offers[9999]", "rows"),
        ("pods create --offer offers", "say offers[ROW]"),
        ("pods create --offer 'offers[0] + 1'", "write VAR or VAR[ROW]"),
        ("pods create --offer offers[0] --cloud-id x", "already fixes the offer"),
        ("pods create --offer offers[0] --vcpus 100000", "vcpus=100000"),
    ],
)
def test_pods_create_explains_what_is_wrong(
    ip: Shell, sandbox: SandboxServer, offers: pd.DataFrame, line: str, message: str
) -> None:
    cell = Cell(ip, f"%prime {line}")
    assert type(cell.error) is UsageError, cell.text
    assert message in cell.stderr and "Traceback" not in cell.text
    assert requests(sandbox, "POST", "/api/v1/pods") == []


def test_pods_history_is_a_dataframe(ip: Shell, sandbox: SandboxServer) -> None:
    assert isinstance(ip.run_line_magic("prime", "pods history"), pd.DataFrame)


# -- disks -------------------------------------------------------------------------------


@pytest.fixture
def disk_place(ip: Shell, sandbox: SandboxServer) -> tuple[str, str]:
    frame = ip.run_line_magic("prime", "availability disks")
    frame = frame.dropna(subset=["data_center"])
    counts = frame.groupby("data_center").size()
    row = frame[frame["data_center"] == counts[counts == 1].index[0]].iloc[0]
    return str(row["data_center"]), str(row["provider"])


def test_disks_create_without_yes_previews_and_sends_nothing(
    ip: Shell, sandbox: SandboxServer, disk_place: tuple[str, str]
) -> None:
    data_center, provider = disk_place
    cell = Cell(ip, f"%prime disks create --size 100 --data-center {data_center} --name d1")
    assert cell.error is None, cell.text
    assert requests(sandbox, "POST", "/api/v1/disks") == []
    assert "Nothing was sent" in cell.text and "per month" in cell.text
    assert f'"type": "{provider}"' in cell.text and "$PRIME_API_KEY" in cell.text
    assert FAKE_KEY not in cell.text + cell.html


def test_disk_lifecycle_create_rename_delete(
    ip: Shell, sandbox: SandboxServer, disk_place: tuple[str, str]
) -> None:
    data_center, _ = disk_place
    created = Cell(ip, f"disk = %prime disks create --size 50 --data-center {data_center} --yes")
    assert created.error is None, created.text
    assert len(requests(sandbox, "POST", "/api/v1/disks")) == 1
    disk_id = ip.user_ns["disk"]["id"]
    assert disk_id in set(ip.run_line_magic("prime", "disks list")["id"])
    pm.get_client().wait_for_disk(disk_id, timeout=20, poll_interval=0.1)
    assert Cell(ip, f"%prime disks rename {disk_id} renamed").error is None
    assert ip.run_line_magic("prime", f"disks get {disk_id}")["name"] == "renamed"
    preview = Cell(ip, f"%prime disks delete {disk_id}")
    assert preview.error is None and "permanently" in preview.text
    assert requests(sandbox, "DELETE", f"/api/v1/disks/{disk_id}") == []
    deleted = Cell(ip, f"%prime disks delete {disk_id} --yes")
    assert deleted.error is None, deleted.text
    assert len(requests(sandbox, "DELETE", f"/api/v1/disks/{disk_id}")) == 1


def test_disks_create_needs_a_known_data_center(ip: Shell, sandbox: SandboxServer) -> None:
    cell = Cell(ip, "%prime disks create --size 10 --data-center NOWHERE-1")
    assert type(cell.error) is UsageError and "No disk offer" in cell.stderr


def test_a_missing_pod_is_a_message(ip: Shell, sandbox: SandboxServer) -> None:
    cell = Cell(ip, "%prime pods get no-such-pod")
    assert type(cell.error) is UsageError and "Traceback" not in cell.text
    assert "no-such-pod" in cell.stderr
