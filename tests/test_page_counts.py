"""Page counts remembered on disk: a new process's first query goes out in one wave; a
wrong memory costs at most a wave and never fails; the file is private and short-lived."""

from __future__ import annotations

import json
import os
import stat
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from prime_magics.transport.page_counts import PageCounts, default_path


def items(n: int) -> list[dict[str, Any]]:
    return [{"cloudId": f"c{i}", "gpuType": "A100_80GB", "gpuCount": 1} for i in range(n)]


class Api:
    """``total`` GPU offers in pages of 100; page 1 of /gpus waits (up to 0.5 s) for the
    last page to be asked for, so ``one_wave`` tells whether it was asked for first."""

    def __init__(self, total: int, fail_past_end: bool = True) -> None:
        self.total, self.fail_past_end = total, fail_past_end
        self.last_asked = threading.Event()
        self.one_wave: bool | None = None
        self.pages: list[int] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("multi-node"):
            return httpx.Response(200, json={"items": [], "totalCount": 0})
        page = int(request.url.params["page"])
        self.pages.append(page)
        last = max(1, -(-self.total // 100))
        if page == last:
            self.last_asked.set()
        if page == 1:
            self.one_wave = self.last_asked.wait(0.5 if last > 1 else 0)
        if page > last and self.fail_past_end:
            return httpx.Response(500, json={"detail": "no such page"})
        chunk = items(self.total)[(page - 1) * 100 : page * 100]
        return httpx.Response(200, json={"items": chunk, "totalCount": self.total})


def test_a_new_client_asks_for_every_remembered_page_at_once(mock_client: Any) -> None:
    first = Api(350)
    assert len(mock_client(first).availability()) == 350
    assert first.one_wave is False  # nothing remembered: page 1, then the rest
    again = Api(350)
    assert len(mock_client(again).availability()) == 350  # a new client: a new kernel
    assert again.one_wave is True
    assert sorted(again.pages) == [1, 2, 3, 4]
    assert stat.S_IMODE(os.stat(default_path()).st_mode) == 0o600


def test_a_memory_too_high_costs_pages_past_the_end_never_a_failure(mock_client: Any) -> None:
    mock_client(Api(650)).availability()  # 7 pages remembered
    shrunk = Api(150)
    frame = mock_client(shrunk).availability()
    assert len(frame) == 150 and frame["cloud_id"].is_unique
    assert shrunk.one_wave is True


def test_a_memory_too_low_costs_one_more_wave(mock_client: Any) -> None:
    mock_client(Api(150)).availability()
    grown = Api(450)
    frame = mock_client(grown).availability()
    assert len(frame) == 450 and frame["cloud_id"].is_unique


def test_the_memory_is_per_base_url_and_query(mock_client: Any) -> None:
    mock_client(Api(350)).availability()
    elsewhere = Api(350)
    mock_client(elsewhere, base_url="https://other.test").availability()
    assert elsewhere.one_wave is False
    narrower = Api(350)
    mock_client(narrower).availability(gpu_type="A100_80GB")
    assert narrower.one_wave is False


def test_entries_expire_and_a_broken_file_is_no_memory(tmp_path: Path) -> None:
    path = tmp_path / "pages.json"
    memory = PageCounts("http://api.test", path, lifetime=0.05)
    memory.put("q", 4)
    assert memory.get("q") == 4
    assert PageCounts("http://else.test", path).get("q") is None
    time.sleep(0.06)
    assert memory.get("q") is None
    for broken in (
        b"{not json",
        b"[1, 2]",
        json.dumps({"http://api.test q": ["x", 1e12]}).encode(),
    ):
        path.write_bytes(broken)
        assert memory.get("q") is None
        memory.put("q", 2)  # and writing over it works
        assert memory.get("q") == 2


def test_an_unwritable_home_is_no_memory(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    memory = PageCounts("http://api.test", blocker / "sub" / "pages.json")
    memory.put("q", 3)  # no error
    assert memory.get("q") is None
