"""Page counts remembered on disk: a new process's first query goes out in one wave; a
wrong memory costs at most a wave and never fails; the file is private and short-lived.

Expiry runs on a fake clock the tests move; no test here sleeps."""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path
from typing import Any

import httpx

from prime_magics.transport.page_counts import LIFETIME, PageCounts, default_path

WATCH_S = 0.5  # page 1 watches this long for a last page that must not be in the first wave
BOUND_S = 10.0  # page 1 waits at most this long for a last page that must be in it


def items(n: int) -> list[dict[str, Any]]:
    return [{"cloudId": f"c{i}", "gpuType": "A100_80GB", "gpuCount": 1} for i in range(n)]


class Api:
    """``total`` GPU offers in pages of 100. ``one_wave``: was the last page of /gpus asked
    for before page 1 was answered? The client sends the rest only after page 1's answer,
    so only a first wave can ask for it that early.

    Page 1 waits for the last page before answering, so that a slow thread decides
    nothing: when the test expects one wave (``expect_one_wave``), up to ``BOUND_S``,
    which a working client never reaches (page 1 is answered as soon as the last page is
    asked for); otherwise ``WATCH_S``, during which a working client cannot ask for it
    however slowly it runs (a broken one is caught unless its threads stall that long)."""

    def __init__(
        self, total: int, fail_past_end: bool = True, expect_one_wave: bool = False
    ) -> None:
        self.total, self.fail_past_end = total, fail_past_end
        self.wait_s = BOUND_S if expect_one_wave else WATCH_S
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
            self.one_wave = self.last_asked.wait(self.wait_s if last > 1 else 0)
        if page > last and self.fail_past_end:
            return httpx.Response(500, json={"detail": "no such page"})
        chunk = items(self.total)[(page - 1) * 100 : page * 100]
        return httpx.Response(200, json={"items": chunk, "totalCount": self.total})


def test_a_new_client_asks_for_every_remembered_page_at_once(mock_client: Any) -> None:
    first = Api(350)
    assert len(mock_client(first).availability()) == 350
    assert first.one_wave is False  # nothing remembered: page 1, then the rest
    again = Api(350, expect_one_wave=True)
    assert len(mock_client(again).availability()) == 350  # a new client: a new kernel
    assert again.one_wave is True
    assert sorted(again.pages) == [1, 2, 3, 4]
    assert stat.S_IMODE(os.stat(default_path()).st_mode) == 0o600


def test_a_memory_too_high_costs_pages_past_the_end_never_a_failure(mock_client: Any) -> None:
    mock_client(Api(650)).availability()  # 7 pages remembered
    shrunk = Api(150, expect_one_wave=True)
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


class FakeClock:
    """Epoch seconds that pass only when a test moves them."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def test_entries_expire_after_their_lifetime_on_the_clock(tmp_path: Path) -> None:
    path = tmp_path / "pages.json"
    clock = FakeClock()
    memory = PageCounts("http://api.test", path, clock=clock)
    memory.put("q", 4)
    assert memory.get("q") == 4
    assert PageCounts("http://api.test", path, clock=clock).get("q") == 4  # another process
    assert PageCounts("http://else.test", path, clock=clock).get("q") is None
    clock.now += LIFETIME - 0.5
    assert memory.get("q") == 4  # still within its lifetime
    clock.now += 0.5
    assert memory.get("q") is None  # its lifetime is over
    memory.put("r", 2)  # and the next write leaves the expired entry out
    assert list(json.loads(path.read_bytes())) == ["http://api.test r"]
    memory.put("r", 3)
    clock.now += LIFETIME - 0.5
    assert memory.get("r") == 3  # each write starts a whole lifetime anew


def test_a_broken_file_is_no_memory(tmp_path: Path) -> None:
    path = tmp_path / "pages.json"
    memory = PageCounts("http://api.test", path, clock=FakeClock())
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
