"""Settings: argument → environment → the CLI's ~/.prime/config.json → default, and the key
never shown. The autouse fixture in conftest gives every test an empty HOME and no PRIME_*
variables, so these tests never see the developer's real configuration."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

import prime_magics as pm
from prime_magics.config import DEFAULT_BASE_URL, Settings, normalize_base_url, save_settings

KEY = "pk-test-0123456789abcdefSECRET"


@pytest.fixture
def config_file() -> Path:
    """The CLI's config file in the isolated HOME (not created yet)."""
    return Path.home() / ".prime" / "config.json"


def write_config(path: Path, **values: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(values))


def test_isolation_fixture_points_home_at_a_temporary_dir(tmp_path):
    assert str(Path.home()).startswith(str(tmp_path.parent))
    assert [name for name in os.environ if name.startswith("PRIME_")] == ["PRIME_MAGICS_GUARD"]


def test_defaults_when_nothing_is_configured():
    settings = Settings.resolve()
    assert settings.api_key is None
    assert settings.base_url == DEFAULT_BASE_URL
    assert settings.api_root == DEFAULT_BASE_URL + "/api/v1"
    assert settings.team_id is None
    assert settings.sources == {"api_key": "default", "base_url": "default", "team_id": "default"}


def test_config_file_is_used(config_file):
    write_config(
        config_file,
        api_key="file-key",
        base_url="https://file.example/api/v1",
        team_id="team-file",
        ssh_key_path="~/.ssh/prime",
        share_resources_with_team=True,
        user_id="someone",
    )
    settings = Settings.resolve()
    assert settings.api_key == "file-key"
    assert settings.base_url == "https://file.example"
    assert settings.team_id == "team-file"
    assert settings.ssh_key_path == "~/.ssh/prime"
    assert settings.share_with_team is True
    assert settings.sources["api_key"] == "config file"


def test_environment_beats_the_file(config_file, monkeypatch):
    write_config(config_file, api_key="file-key", base_url="https://file.example", team_id="t1")
    monkeypatch.setenv("PRIME_API_KEY", "env-key")
    monkeypatch.setenv("PRIME_BASE_URL", "https://env.example")
    monkeypatch.setenv("PRIME_TEAM_ID", "team-env")
    settings = Settings.resolve()
    assert (settings.api_key, settings.base_url, settings.team_id) == (
        "env-key",
        "https://env.example",
        "team-env",
    )
    assert settings.sources["api_key"] == "$PRIME_API_KEY"


def test_argument_beats_the_environment(config_file, monkeypatch):
    write_config(config_file, api_key="file-key")
    monkeypatch.setenv("PRIME_API_KEY", "env-key")
    monkeypatch.setenv("PRIME_API_BASE_URL", "https://env.example")
    monkeypatch.setenv("PRIME_TEAM_ID", "team-env")
    settings = Settings.resolve("arg-key", "https://arg.example/", "team-arg")
    assert (settings.api_key, settings.base_url, settings.team_id) == (
        "arg-key",
        "https://arg.example",
        "team-arg",
    )
    assert set(settings.sources.values()) == {"argument"}


def test_prime_api_base_url_comes_before_prime_base_url(monkeypatch):
    monkeypatch.setenv("PRIME_BASE_URL", "https://second.example")
    monkeypatch.setenv("PRIME_API_BASE_URL", "https://first.example")
    assert Settings.resolve().base_url == "https://first.example"
    monkeypatch.delenv("PRIME_API_BASE_URL")
    assert Settings.resolve().base_url == "https://second.example"


def test_blank_environment_values_are_unset(config_file, monkeypatch):
    write_config(config_file, api_key="file-key", team_id="team-file")
    monkeypatch.setenv("PRIME_API_KEY", "")
    monkeypatch.setenv("PRIME_TEAM_ID", "   ")
    monkeypatch.setenv("PRIME_API_BASE_URL", "")
    settings = Settings.resolve()
    assert settings.api_key == "file-key"
    assert settings.team_id == "team-file"
    assert settings.base_url == DEFAULT_BASE_URL


def test_blank_file_values_fall_to_the_default(config_file):
    write_config(config_file, api_key="", base_url=None, team_id="")
    settings = Settings.resolve()
    assert settings.api_key is None and settings.team_id is None
    assert settings.base_url == DEFAULT_BASE_URL


def test_explicit_env_mapping_and_config_path(tmp_path, monkeypatch):
    monkeypatch.setenv("PRIME_API_KEY", "ignored-process-env")
    elsewhere = tmp_path / "elsewhere.json"
    write_config(elsewhere, team_id="team-elsewhere")
    settings = Settings.resolve(env={"PRIME_API_KEY": "mapped"}, config_path=elsewhere)
    assert settings.api_key == "mapped"
    assert settings.team_id == "team-elsewhere"


@pytest.mark.parametrize(
    "given",
    [
        "https://api.example.com",
        "https://api.example.com/",
        "https://api.example.com/api/v1",
        "https://api.example.com/api/v1/",
        "  https://api.example.com/api/v1/  ",
    ],
)
def test_base_url_with_or_without_api_prefix(given):
    assert normalize_base_url(given) == "https://api.example.com"
    settings = Settings.resolve(base_url=given)
    assert settings.api_root == "https://api.example.com/api/v1"


def test_base_url_keeps_a_port_and_a_path():
    assert normalize_base_url("http://127.0.0.1:8765/api/v1") == "http://127.0.0.1:8765"
    assert normalize_base_url("https://proxy.example/prime/") == "https://proxy.example/prime"


def test_base_url_without_scheme_is_refused():
    with pytest.raises(pm.ConfigurationError, match="http"):
        normalize_base_url("api.primeintellect.ai")


@pytest.mark.parametrize("text", ["{not json", '{"api_key": ', "[1, 2]", '"a string"'])
def test_corrupt_config_file_is_a_configuration_error(config_file, text):
    config_file.parent.mkdir(parents=True)
    config_file.write_text(text)
    with pytest.raises(pm.ConfigurationError) as caught:
        Settings.resolve()
    assert str(config_file) in str(caught.value)


def test_empty_config_file_is_no_configuration(config_file):
    config_file.parent.mkdir(parents=True)
    config_file.write_text("  \n")
    assert Settings.resolve().api_key is None


def test_save_settings_keeps_foreign_keys_and_is_private(config_file):
    write_config(
        config_file,
        api_key="old",
        user_id="u-1",
        frontend_url="https://app.example",
        current_environment="production",
    )
    config_file.chmod(0o644)
    written = save_settings(api_key="new-key", team_id="t-2", base_url=None)
    assert written == config_file
    data = json.loads(config_file.read_text())
    assert data == {
        "api_key": "new-key",
        "user_id": "u-1",
        "frontend_url": "https://app.example",
        "current_environment": "production",
        "team_id": "t-2",
    }
    assert stat.S_IMODE(config_file.stat().st_mode) == 0o600
    assert not list(config_file.parent.glob("*.tmp"))
    assert Settings.resolve().api_key == "new-key"


def test_save_settings_creates_the_file_and_directory(tmp_path):
    path = tmp_path / "new" / ".prime" / "config.json"
    save_settings(path, api_key=KEY)
    assert json.loads(path.read_text()) == {"api_key": KEY}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_repr_of_settings_never_shows_the_key():
    settings = Settings.resolve(api_key=KEY)
    for text in (repr(settings), str(settings), f"{settings}", settings.redacted_key):
        assert KEY not in text
        assert KEY[:8] not in text
    assert settings.redacted_key.endswith(KEY[-4:])
    assert Settings.resolve(api_key="short-key").redacted_key == "••••••••"
    assert Settings.resolve().redacted_key == "(not set)"


def test_repr_of_client_never_shows_the_key():
    client = pm.Client(api_key=KEY, base_url="http://127.0.0.1:9")
    try:
        text = repr(client)
        assert KEY not in text and KEY[:8] not in text
        assert "127.0.0.1:9" in text
        assert KEY not in repr(vars(client).get("settings"))
    finally:
        client.close()


def test_client_resolves_settings_from_the_environment(monkeypatch):
    monkeypatch.setenv("PRIME_API_KEY", KEY)
    monkeypatch.setenv("PRIME_BASE_URL", "http://127.0.0.1:9/api/v1/")
    monkeypatch.setenv("PRIME_TEAM_ID", "team-x")
    with pm.Client() as client:
        assert client.settings.api_key == KEY
        assert client.settings.base_url == "http://127.0.0.1:9"
        assert client.settings.team_id == "team-x"


def test_settings_are_frozen():
    settings = Settings.resolve(api_key=KEY)
    with pytest.raises(AttributeError):
        settings.api_key = "other"  # type: ignore[misc]
    assert settings.team_id is None
