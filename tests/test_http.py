"""The HTTP layer: status → error mapping, retries for reads (never for writes), timeouts,
and the key kept out of every message. Faults are plain ``httpx.MockTransport`` handlers;
connection refused is a real closed port on 127.0.0.1."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

import prime_magics as pm
from prime_magics import errors
from prime_magics.config import Secret, Settings
from prime_magics.transport.http import RetryPolicy, Transport, parse_retry_after

KEY = "pk-live-9f8e7d6c5b4a3210-SECRET"
BASE = "https://api.test"
FAST = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.02, total_budget=5.0)

Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    """A MockTransport handler answering from a script of responses, recording requests."""

    def __init__(self, *answers: httpx.Response | Exception | Handler) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers[min(len(self.requests), len(self.answers)) - 1]
        if isinstance(answer, Exception):
            raise type(answer)(str(answer), request=request)  # type: ignore[call-arg]
        if callable(answer):
            return answer(request)
        return answer


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def transport_for(sleeps) -> Iterator[Callable[..., Transport]]:
    made: list[Transport] = []

    def make(handler: Handler, retry: RetryPolicy = FAST, key: str | None = KEY) -> Transport:
        transport = Transport(
            Settings(secret=Secret(key) if key else None, base_url=BASE),
            retry=retry,
            transport=httpx.MockTransport(handler),
            sleep=sleeps.append,
        )
        made.append(transport)
        return transport

    yield make
    for transport in made:
        transport.close()


def json_response(status: int, body: object, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


# -- requests as sent -------------------------------------------------------------------


def test_get_sends_auth_user_agent_and_repeated_params(transport_for):
    handler = Recorder(json_response(200, {"ok": True}))
    transport = transport_for(handler)
    body = transport.get(
        "/availability/gpus", {"regions": ["canada", "united_states"], "gpu_count": 1}
    )
    assert body == {"ok": True}
    (request,) = handler.requests
    assert request.url.path == "/api/v1/availability/gpus"
    assert request.url.params.get_list("regions") == ["canada", "united_states"]
    assert request.url.params["gpu_count"] == "1"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["user-agent"].startswith("prime_magics/")


ODD_PARAMS: dict[str, Any] = {
    "regions": ["canada", "united states", "é/ü?&="], "gpu_type": "H100 80GB+",
    "gpu_count": 1, "price": 1.5, "flag": True, "empty": "", "none": None, "page": 2,
}  # fmt: skip


def test_the_query_is_encoded_as_httpx_encodes_params(transport_for):
    """The read path builds its URL string itself (one parse): byte for byte what
    ``httpx.Client.get(params=…)`` sends, repeated keys, spaces, unicode and all."""
    handler = Recorder(json_response(200, {}))
    transport_for(handler).get_bytes("/availability/gpus", ODD_PARAMS, what="x")
    (request,) = handler.requests
    with httpx.Client(transport=httpx.MockTransport(handler)) as plain:
        plain.get(f"{BASE}/api/v1/availability/gpus", params=ODD_PARAMS)
    assert request.url.raw_path == handler.requests[1].url.raw_path  # bytes on the wire


def test_a_retried_read_sends_the_same_request_again(transport_for, sleeps):
    handler = Recorder(json_response(503, {}), json_response(200, {"ok": 1}))
    assert transport_for(handler).get("/availability/gpus", {"page": 3}) == {"ok": 1}
    first, second = handler.requests
    assert first.url == second.url and first.headers == second.headers and len(sleeps) == 1
    assert second.extensions["timeout"] == first.extensions["timeout"]


def test_no_key_is_a_configuration_error_before_any_request(transport_for):
    handler = Recorder(json_response(200, {}))
    transport = transport_for(handler, key=None)
    with pytest.raises(pm.ConfigurationError, match="API key"):
        transport.get("/availability/gpus")
    assert handler.requests == []


def test_empty_2xx_body_is_none(transport_for):
    transport = transport_for(Recorder(httpx.Response(204), httpx.Response(200)))
    assert transport.send_once("DELETE", "/pods/abc", what="terminate pod abc") is None
    assert transport.get("/pods/abc") is None


# -- status → error ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "cls", "hint"),
    [
        (400, pm.BadRequestError, None),
        (401, pm.AuthenticationError, "dashboard/tokens"),
        (402, pm.PaymentRequiredError, "dashboard/billing"),
        (403, pm.PermissionDeniedError, "permission"),
        (404, pm.NotFoundError, None),
        (409, pm.ConflictError, None),
        (500, pm.ServerError, "try again"),
        (501, pm.ServerError, "try again"),
        (418, pm.APIStatusError, None),
    ],
)
def test_error_statuses_map_to_error_classes(transport_for, status, cls, hint):
    handler = Recorder(json_response(status, {"detail": "Disk abc is out of stock"}))
    with pytest.raises(cls) as caught:
        transport_for(handler).get("/pods/abc")
    error = caught.value
    assert type(error) is cls
    assert isinstance(error, pm.APIStatusError) and isinstance(error, pm.PrimeError)
    assert error.status_code == status
    assert error.detail == "Disk abc is out of stock"
    assert "Disk abc is out of stock" in str(error)
    assert "GET /pods/abc" in str(error)
    if hint:
        assert hint in str(error)
    assert len(handler.requests) == 1  # none of these is retried


def test_422_lists_each_loc_and_msg_without_body(transport_for):
    detail = [
        {"loc": ["body", "pod", "diskSize"], "msg": "must be a multiple of 10", "type": "x"},
        {"loc": ["query", "regions", 0], "msg": "unknown region 'mars'", "type": "y"},
        {"loc": ["body"], "msg": "field required", "type": "z"},
    ]
    handler = Recorder(json_response(422, {"detail": detail}))
    with pytest.raises(pm.UnprocessableEntityError) as caught:
        transport_for(handler).get("/availability/gpus")
    error = caught.value
    assert error.errors == [
        "pod.diskSize: must be a multiple of 10",
        "regions.0: unknown region 'mars'",
        "(request): field required",
    ]
    for line in error.errors:
        assert line in str(error)
    assert "body" not in str(error)
    assert error.detail == detail


def test_422_with_a_string_detail(transport_for):
    handler = Recorder(json_response(422, {"detail": "bad region"}))
    with pytest.raises(pm.UnprocessableEntityError) as caught:
        transport_for(handler).get("/availability/gpus")
    assert caught.value.errors == ["bad region"]


def test_429_is_retried_then_rate_limit_error(transport_for, sleeps):
    handler = Recorder(json_response(429, {"detail": "slow down"}))
    with pytest.raises(pm.RateLimitError) as caught:
        transport_for(handler).get("/availability/gpus")
    assert len(handler.requests) == FAST.max_attempts
    assert f"after {FAST.max_attempts} attempts" in str(caught.value)
    assert len(sleeps) == FAST.max_attempts - 1
    assert "wait" in str(caught.value)


@pytest.mark.parametrize(
    ("response", "forbidden"),
    [
        (httpx.Response(502, html="<html><body><h1>502 Bad Gateway</h1></body></html>"), "<"),
        (httpx.Response(500, content=b""), None),
        (httpx.Response(500, text="upstream exploded"), None),
    ],
)
def test_html_empty_or_text_error_bodies(transport_for, response, forbidden):
    with pytest.raises(pm.ServerError) as caught:
        transport_for(Recorder(response)).get("/pods")
    message = str(caught.value)
    assert f"Server error {response.status_code}" in message
    if forbidden:
        assert forbidden not in message
        assert caught.value.detail is None
    if response.text == "upstream exploded":
        assert "upstream exploded" in message


@pytest.mark.parametrize("body", [b"not json{", b"<html>oops</html>", b"\xff\xfe"])
def test_malformed_json_200_is_a_response_format_error(transport_for, body):
    with pytest.raises(pm.ResponseFormatError) as caught:
        transport_for(Recorder(httpx.Response(200, content=body))).get("/pods")
    assert "not JSON" in str(caught.value)


# -- retries for reads ------------------------------------------------------------------------


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_errors_are_retried_then_succeed(transport_for, sleeps, status):
    handler = Recorder(json_response(status, {"detail": "busy"}), json_response(200, [1, 2]))
    assert transport_for(handler).get("/availability/gpus") == [1, 2]
    assert len(handler.requests) == 2
    assert len(sleeps) == 1 and 0 < sleeps[0] <= FAST.max_delay


def test_retry_after_seconds_is_honoured(transport_for, sleeps):
    handler = Recorder(
        json_response(429, {"detail": "slow down"}, **{"Retry-After": "1"}),
        json_response(200, {"items": []}),
    )
    assert transport_for(handler).get("/availability/gpus") == {"items": []}
    assert sleeps == [1.0]


def test_retry_after_is_capped(transport_for, sleeps):
    policy = RetryPolicy(max_attempts=2, base_delay=0.01, max_retry_after=2.0, total_budget=60)
    handler = Recorder(
        json_response(503, {}, **{"Retry-After": "3600"}), json_response(200, {"ok": 1})
    )
    transport_for(handler, retry=policy).get("/x")
    assert sleeps == [2.0]


def test_retry_after_beyond_the_budget_gives_up_at_once(transport_for, sleeps):
    policy = RetryPolicy(max_attempts=5, base_delay=0.01, max_retry_after=60, total_budget=5)
    handler = Recorder(json_response(429, {}, **{"Retry-After": "30"}))
    with pytest.raises(pm.RateLimitError):
        transport_for(handler, retry=policy).get("/x")
    assert len(handler.requests) == 1 and sleeps == []


def test_parse_retry_after_forms():
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after("0.5") == 0.5
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    in_past = parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT")
    assert in_past is not None and in_past < 0
    assert RetryPolicy().delay(1, in_past) == 0.0


def test_backoff_grows_and_is_bounded():
    policy = RetryPolicy(base_delay=1.0, max_delay=4.0)
    for attempt, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (6, 4.0)]:
        delay = policy.delay(attempt, None)
        assert ceiling / 2 <= delay <= ceiling


def test_read_timeout_is_retried_then_api_timeout_error(transport_for, sleeps):
    handler = Recorder(httpx.ReadTimeout("read timed out"))
    with pytest.raises(pm.APITimeoutError) as caught:
        transport_for(handler).get("/availability/gpus")
    assert len(handler.requests) == FAST.max_attempts
    assert "timed out" in str(caught.value)
    assert f"after {FAST.max_attempts} attempts" in str(caught.value)
    assert isinstance(caught.value, pm.APIConnectionError)
    assert isinstance(caught.value.__cause__, httpx.TimeoutException)


def test_timeout_once_then_success(transport_for):
    handler = Recorder(httpx.ConnectTimeout("connect timed out"), json_response(200, {"a": 1}))
    assert transport_for(handler).get("/x") == {"a": 1}


def test_client_timeout_reaches_httpx():
    """A real slow server: the client's timeout turns into APITimeoutError."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    release = threading.Event()

    class Slow(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            release.wait(5)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        client = pm.Client(api_key=KEY, base_url=url, timeout=0.2, retry=RetryPolicy(1))
        with client, pytest.raises(pm.APITimeoutError):
            client.gpu_types()
    finally:
        release.set()
        server.shutdown()
        server.server_close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_connection_refused_is_api_connection_error():
    url = f"http://127.0.0.1:{closed_port()}"
    client = pm.Client(api_key=KEY, base_url=url, retry=FAST)
    with client, pytest.raises(pm.APIConnectionError) as caught:
        client.gpu_types()
    error = caught.value
    assert type(error) is pm.APIConnectionError
    assert "ConnectError" in str(error)
    assert f"after {FAST.max_attempts} attempts" in str(error)
    assert "network" in str(error)  # the hint


# -- writes are sent once ---------------------------------------------------------------------


def test_post_is_sent_once_on_503(transport_for, sleeps):
    handler = Recorder(json_response(503, {"detail": "busy"}), json_response(200, {"id": "p"}))
    with pytest.raises(pm.OutcomeUnknownError) as caught:  # a create: it may have happened
        transport_for(handler).send_once(
            "POST", "/pods", {"pod": {"name": "x"}}, what="create pod x", creates=("pod", "x")
        )
    assert len(handler.requests) == 1
    assert sleeps == []
    assert "attempts" not in str(caught.value) and "503 (busy)" in str(caught.value)
    assert caught.value.status_code == 503


def test_post_429_is_not_retried_either(transport_for):
    handler = Recorder(json_response(429, {}, **{"Retry-After": "0"}), json_response(200, {}))
    with pytest.raises(pm.RateLimitError):
        transport_for(handler).send_once("POST", "/disks", {"disk": {}}, what="create disk")
    assert len(handler.requests) == 1


def test_post_read_timeout_with_creates_is_outcome_unknown(transport_for):
    handler = Recorder(httpx.ReadTimeout("no answer"), json_response(200, {"id": "p"}))
    with pytest.raises(pm.OutcomeUnknownError) as caught:
        transport_for(handler).send_once(
            "POST", "/pods", {"pod": {"name": "trainer"}}, what="create pod trainer",
            creates=("pod", "trainer"),
        )  # fmt: skip
    assert len(handler.requests) == 1
    error = caught.value
    assert (error.kind, error.name) == ("pod", "trainer")
    assert error.since  # when to look from, to reconcile
    assert "NOT retried" in str(error)
    assert "may or may not" in str(error)
    assert isinstance(error, pm.APIConnectionError)


def test_write_timeout_without_creates_is_a_connection_error(transport_for):
    handler = Recorder(httpx.ReadTimeout("no answer"))
    with pytest.raises(pm.APIConnectionError) as caught:
        transport_for(handler).send_once("DELETE", "/pods/abc", what="terminate pod abc")
    assert not isinstance(caught.value, pm.OutcomeUnknownError)
    assert "may or may not have happened" in str(caught.value)
    assert len(handler.requests) == 1


def test_write_that_could_not_connect_was_not_sent():
    url = f"http://127.0.0.1:{closed_port()}"
    transport = Transport(Settings(secret=Secret(KEY), base_url=url), retry=FAST)
    try:
        with pytest.raises(pm.APIConnectionError) as caught:
            transport.send_once("POST", "/pods", {}, what="create pod", creates=("pod", None))
    finally:
        transport.close()
    assert not isinstance(caught.value, pm.OutcomeUnknownError)
    assert "was not sent" in str(caught.value)


def test_write_sends_json_body_and_decodes_answer(transport_for):
    handler = Recorder(json_response(201, {"id": "d1"}))
    answer = transport_for(handler).send_once("POST", "/disks", {"disk": {"size": 500}}, what="x")
    assert answer == {"id": "d1"}
    assert handler.requests[0].method == "POST"
    assert handler.requests[0].content == b'{"disk":{"size":500}}'
    assert handler.requests[0].headers["content-type"] == "application/json"


def test_write_error_status_maps_too(transport_for):
    detail = [{"loc": ["body", "pod", "vcpus"], "msg": "must be even"}]
    handler = Recorder(json_response(422, {"detail": detail}))
    with pytest.raises(pm.UnprocessableEntityError) as caught:
        transport_for(handler).send_once("POST", "/pods", {}, what="create pod")
    assert caught.value.errors == ["pod.vcpus: must be even"]


# -- the key never shows ------------------------------------------------------------------------


def echo_key(status: int) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        token = request.headers["authorization"]
        return json_response(status, {"detail": f"Invalid credentials: {token}"})

    return handler


@pytest.mark.parametrize(
    "answer",
    [
        echo_key(401),
        echo_key(400),
        echo_key(503),
        lambda r: json_response(
            422, {"detail": [{"loc": ["header"], "msg": r.headers["authorization"]}]}
        ),
        lambda r: httpx.Response(200, text=f"oops {r.headers['authorization']}"),
        lambda r: httpx.Response(500, text=f"trace: {r.headers['authorization']}"),
        httpx.ReadTimeout("t"),
        httpx.ConnectError("c"),
    ],
)
def test_the_key_never_appears_in_errors(transport_for, answer):
    transport = transport_for(Recorder(answer))
    caught: list[pm.PrimeError] = []
    with pytest.raises(pm.PrimeError) as read_error:
        transport.get("/pods/abc")
    caught.append(read_error.value)
    with pytest.raises(pm.PrimeError) as write_error:
        transport.send_once("POST", "/pods", {}, what="create pod", creates=("pod", "n"))
    caught.append(write_error.value)
    for error in caught:
        texts = [str(error), repr(error), error.message, *map(str, error.args)]
        texts += [str(getattr(error, "detail", "")), *map(str, getattr(error, "errors", []))]
        for text in texts:
            assert KEY not in text, text
    assert KEY not in repr(transport.settings)


def test_error_tree():
    assert issubclass(errors.APITimeoutError, errors.APIConnectionError)
    assert issubclass(errors.OutcomeUnknownError, errors.APIConnectionError)
    for cls in (errors.APIConnectionError, errors.APIStatusError, errors.ResponseFormatError):
        assert issubclass(cls, errors.PrimeError)
    error = errors.PrimeError("message", hint="do this")
    assert str(error) == "message\ndo this"
    assert str(errors.PrimeError("only")) == "only"
