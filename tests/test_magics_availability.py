"""``%prime availability …``, settings, errors and help, driven in-process in an IPython
shell against the sandbox.

Each test runs cells as a user would (``ip.run_cell("df = %prime …")``) and reads what the
cell showed (stdout, stderr and displayed objects) and what the sandbox received. The
shell is a plain ``InteractiveShell``: ``PrimeMagics.widgets`` is "auto", so no widgets
unless a test asks for them (``widgets_on``). Fixtures: tests/magic_fixtures.py.
"""

from __future__ import annotations

import argparse
import json
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

import prime_magics as pm
from prime_magics import api
from prime_magics.magics import PrimeMagics, _cli, has_front_end
from prime_magics.offers import COST_COLUMNS
from prime_magics.sandbox import SandboxServer
from prime_magics.widgets import AvailabilityExplorer
from tests.magic_fixtures import FAKE_KEY, Cell, Shell, requests

pytest_plugins = ("tests.magic_fixtures",)


# -- availability ------------------------------------------------------------------------


def test_availability_list_assigns_a_dataframe_of_the_gpu_type(
    ip: Shell, prime_sandbox: SandboxServer
) -> None:
    cell = Cell(ip, "df = %prime availability list --gpu-type H100_80GB")
    assert cell.error is None, cell.text
    df = ip.user_ns["df"]
    assert isinstance(df, pd.DataFrame) and len(df) > 0
    assert set(df["gpu_type"]) == {"H100_80GB"}
    assert set(COST_COLUMNS) <= set(df.columns)
    usd = df[df["currency"] == "USD"]
    assert len(usd) and usd["total_hr"].dropna().is_monotonic_increasing


def test_regions_reach_the_api_as_repeated_parameters(
    ip: Shell, prime_sandbox: SandboxServer
) -> None:
    cell = Cell(ip, "df = %prime availability list --regions united_states canada")
    assert cell.error is None, cell.text
    first = requests(prime_sandbox, "GET", "/api/v1/availability/gpus")[0]
    assert [v for k, v in first.query if k == "regions"] == ["united_states", "canada"]


def test_dollar_and_brace_variables_are_expanded(ip: Shell, prime_sandbox: SandboxServer) -> None:
    ip.user_ns["gpu"] = "A100_80GB"
    Cell(ip, "a = %prime availability list --gpu-type $gpu --gpu-count {1 + 1}")
    assert set(ip.user_ns["a"]["gpu_type"]) <= {"A100_80GB"}
    assert set(ip.user_ns["a"]["gpu_count"]) <= {2}
    sent = requests(prime_sandbox, "GET", "/api/v1/availability/gpus")[0].query
    assert ("gpu_type", "A100_80GB") in sent and ("gpu_count", "2") in sent


def test_availability_disks_with_size_adds_the_cost(
    ip: Shell, prime_sandbox: SandboxServer
) -> None:
    frame = ip.run_line_magic("prime", "availability disks --size 100")
    assert {"size_gb", "cost_hr"} <= set(frame.columns) and len(frame) > 0
    assert (frame["size_gb"] == 100).all()


def test_gpu_types_is_a_list_of_names(ip: Shell, prime_sandbox: SandboxServer) -> None:
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
        "sandbox reboot",
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
    ip: Shell, prime_sandbox: SandboxServer
) -> None:
    prime_sandbox.faults.add("GET", "/availability/gpus", status=401, times=None,
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


def test_a_missing_key_is_a_message_not_a_traceback(ip: Shell, sandbox: SandboxServer) -> None:
    pm.set_client(pm.Client(api_key="", base_url=sandbox.url))
    cell = Cell(ip, "%prime availability list")
    assert type(cell.error) is UsageError
    assert "No Prime Intellect API key" in cell.stderr and "Traceback" not in cell.text


def test_short_errors_off_brings_the_prime_error_back(ip: Shell, sandbox: SandboxServer) -> None:
    pm.set_client(pm.Client(api_key="", base_url=sandbox.url))
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
    for group in ("availability", "pods", "disks", "config", "login", "simulator"):
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
    cell = Cell(ip, "%prime config --base-url https://example.test/api/v1 --team-id t-1")
    assert cell.error is None, cell.text
    saved = json.loads((home / ".prime" / "config.json").read_text())
    assert saved == {"base_url": "https://example.test", "team_id": "t-1"}
    assert pm.get_client() is not old
    assert pm.get_client().settings.base_url == "https://example.test"
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

    mock = httpx.MockTransport(app)
    pm.set_client(pm.Client(api_key=FAKE_KEY, base_url="https://sim.test", transport=mock))
    cell = Cell(ip, "types = %prime availability gpu-types")
    assert cell.error is None, cell.text
    assert "[simulator]" in cell.text and "[simulator]" in cell.html
    assert ip.user_ns["types"] == ["H100_80GB"]


def test_real_answers_are_not_labelled(ip: Shell) -> None:
    def app(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"H100_80GB": {}})

    mock = httpx.MockTransport(app)
    pm.set_client(pm.Client(api_key=FAKE_KEY, base_url="https://real.test", transport=mock))
    cell = Cell(ip, "types = %prime availability gpu-types")
    assert cell.error is None and "[simulator]" not in cell.text


def test_sandbox_start_list_stop(ip: Shell) -> None:
    started = Cell(ip, "%prime simulator")
    assert started.error is None, started.text
    server = api.sandbox_server()
    assert server is not None and server.url in started.text
    assert "no" in started.text.lower() and "money" in started.text
    listed = Cell(ip, "df = %prime availability list --gpu-count 1")
    assert listed.error is None, listed.text
    assert len(ip.user_ns["df"]) > 0 and "[simulator]" in listed.text
    disk = pm.DiskRequest.from_offer(pm.disk_availability().iloc[0], size_gb=50, name="kept")
    made = pm.create_disk(disk)
    again = Cell(ip, "%prime simulator")  # a notebook's first cell, run again
    assert api.sandbox_server() is server and "still running" in again.text
    assert made.id in set(pm.disks()["id"])
    restarted = Cell(ip, "%prime simulator restart")
    assert restarted.error is None and api.sandbox_server() is not server
    assert pm.disks().empty
    stopped = Cell(ip, "%prime simulator stop")
    assert stopped.error is None and api.sandbox_server() is None
    assert "stopped" in stopped.text
    assert "No simulator" in Cell(ip, "%prime simulator stop").text


def test_the_old_sandbox_command_works_and_says_its_new_name(ip: Shell) -> None:
    """``prime sandbox`` is Prime's Sandboxes product in the official CLI: the simulated
    API is ``%prime simulator``; ``%prime sandbox`` still works, saying so in one line."""
    started = Cell(ip, "%prime sandbox")
    assert started.error is None and api.sandbox_server() is not None
    assert "%prime sandbox is now %prime simulator" in started.text
    assert "[simulator] running at" in started.text
    stopped = Cell(ip, "%prime sandbox stop")
    assert api.sandbox_server() is None and "%prime simulator" in stopped.text


# -- widgets: the setting and the explorer -----------------------------------------------


def test_widgets_are_auto_and_off_in_a_plain_shell(ip: Shell, magics: PrimeMagics) -> None:
    assert ip.run_line_magic("config", "PrimeMagics.widgets") == "auto"
    assert not magics.widgets_enabled()
    ip.run_line_magic("config", "PrimeMagics.widgets = True")
    try:
        assert magics.widgets_enabled()
    finally:
        ip.run_line_magic("config", "PrimeMagics.widgets = 'auto'")
    assert not magics.widgets_enabled()


def test_auto_means_a_jupyter_kernel_shell(ip: Shell) -> None:
    zmq_shell = type("ZMQInteractiveShell", (InteractiveShell,), {})
    kernel_shell = type("MyKernelShell", (zmq_shell,), {})
    assert has_front_end(object.__new__(zmq_shell))
    assert has_front_end(object.__new__(kernel_shell))  # a subclass is a kernel too
    assert not has_front_end(ip)


def test_loading_the_extension_does_not_import_ipywidgets() -> None:
    code = (
        "import sys\n"
        "from prime_magics.magics import PrimeMagics, _cli\n"
        "_cli.build_parser()\n"
        "print('ipywidgets' in sys.modules, 'prime_magics.widgets' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.split() == ["False", "False"]


def test_explore_returns_an_availability_explorer(
    ip: Shell, prime_sandbox: SandboxServer, widgets_on: PrimeMagics
) -> None:
    line = "x = %prime availability explore --max-rows 5 --gpu-type H100_80GB --provider runpod"
    cell = Cell(ip, line)
    assert cell.error is None, cell.text
    explorer = ip.user_ns["x"]
    assert isinstance(explorer, AvailabilityExplorer)
    assert explorer.client is pm.get_client() and explorer.grid.options["pageLength"] == 5
    assert explorer.loaded and explorer.gpu_type.value == "H100_80GB"  # loaded, filtered
    assert len(explorer.frame) > 0 and set(explorer.frame["gpu_type"]) == {"H100_80GB"}
    assert set(explorer.frame["provider"]) == {"runpod"} < set(explorer.raw["provider"])
    assert "[simulator]" in cell.text
    explorer.close()


def test_explore_without_widgets_says_it_needs_them(
    ip: Shell, prime_sandbox: SandboxServer
) -> None:
    ip.user_ns.pop("x", None)
    cell = Cell(ip, "x = %prime availability explore")
    assert type(cell.error) is UsageError and "Traceback" not in cell.text
    assert "needs Jupyter widgets" in cell.stderr
    assert "%prime availability list" in cell.stderr and "x" not in ip.user_ns
    assert requests(prime_sandbox, "GET", "/api/v1/availability/gpus") == []


def test_an_unknown_gpu_type_says_which_ones_exist(ip: Shell, prime_sandbox: SandboxServer) -> None:
    cell = Cell(ip, "df = %prime availability list --gpu-type H100")
    assert cell.error is not None and "Traceback" not in cell.text
    assert "did you mean" in cell.text and "H100_80GB" in cell.text


def test_provider_is_filtered_locally_as_the_cli_does(
    ip: Shell, prime_sandbox: SandboxServer
) -> None:
    cell = Cell(ip, "df = %prime availability list --provider runpod")
    frame = ip.user_ns["df"]
    assert cell.error is None and len(frame) and set(frame["provider"]) == {"runpod"}
    assert all(
        "provider" not in dict(r.query)
        for r in requests(prime_sandbox, "GET", "/availability/gpus")
    )


def test_a_failure_names_what_was_asked_not_an_endpoint(
    ip: Shell, prime_sandbox: SandboxServer
) -> None:
    prime_sandbox.faults.add("GET", "/availability/multi-node", status=500, times=None)
    cell = Cell(ip, "%prime availability list --refresh")
    assert "multi-node offers" in cell.text and "/availability/multi-node" not in cell.text


def test_sandbox_market_starts_a_sandbox_whose_offers_move(ip: Shell) -> None:
    cell = Cell(ip, "%prime simulator --market")
    server = api.sandbox_server()
    assert cell.error is None and server is not None and server.config.market


def test_every_option_says_what_it_does() -> None:
    """``--help`` is the reference in a notebook: an option without a help line (as
    ``--for`` was) leaves the user guessing."""
    silent: list[str] = []

    def walk(parser: argparse.ArgumentParser, path: str) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(sub, f"{path} {name}")
            elif action.option_strings and action.help is None:
                silent.append(f"{path} {'/'.join(action.option_strings)}")

    walk(_cli.build_parser(), "%prime")
    assert silent == []
