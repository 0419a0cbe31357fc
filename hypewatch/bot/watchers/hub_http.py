"""The HTTP client huggingface_hub uses, made safe for an unattended bot.

huggingface_hub 2.x sends everything through one shared `httpx2.Client`
built by a factory (`huggingface_hub.set_client_factory`). Its default has
no timeout at all, and `http_backoff` (used by `list_models` pagination)
retries 429/5xx/timeouts five times with `time.sleep`, honouring any
`Retry-After` uncapped. A bot must not hang or sleep for an hour inside a
library call, so the client installed here:

- enforces connect/read timeouts on every request (some calls pass
  `timeout=None`, which would disable a client default) and sends
  `Accept-Encoding: identity`;
- turns 429, 5xx and timeouts into `HubUnavailableError`, which is not an
  httpx2 error, so the library does not retry it: the watcher decides
  (health, backoff, next pass);
- retries a read whose connection failed `network.retries` times (jittered
  backoff from `NetConfig.backoff_base`, capped by `retry_max_wait`), then raises
  `HubUnavailableError(unreachable=True)`: the library's own five retries
  (`http_backoff`, 1+2+4+8+8 s) would take ~27 s against a Hub that is down;
- caps every response body at `NetConfig.max_response_bytes`;
- replaces invalid UTF-8 in JSON bodies, so one bad byte in a model card
  does not make the whole listing unreadable, and checks their depth and
  integer length (`hypewatch.jsonlimits.check`) before the library parses them.

The Hub endpoint is a trusted origin (`NetConfig.trusted_origins`), so the
private-address guard of `hypewatch.net` does not apply to it.
"""

from __future__ import annotations

import random
import time

import httpx2
import huggingface_hub
from huggingface_hub.utils._http import hf_request_event_hook

from hypewatch import jsonlimits
from hypewatch.net import NetConfig, NetError, ResponseTooLargeError

_STOP_STATUSES = frozenset({408, 429, 500, 502, 503, 504, 520, 522})


_RETRIED_METHODS = frozenset({"GET", "HEAD"})


class HubUnavailableError(NetError):
    """The Hub answered 429/5xx, timed out, or could not be reached (`unreachable`);
    `retry_after` is in seconds when it said. Not an httpx2 error: the library does not
    retry it."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        unreachable: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after
        self.unreachable = unreachable


def _retry_after(headers: httpx2.Headers) -> float | None:
    value = headers.get("retry-after", "").strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


class HubTransport(httpx2.BaseTransport):
    """See the module docstring."""

    def __init__(self, inner: httpx2.BaseTransport, net: NetConfig) -> None:
        self._inner = inner
        self._net = net
        self._max_bytes = net.max_response_bytes
        self._limits = {
            "connect": net.connect_timeout,
            "read": net.read_timeout,
            "write": net.read_timeout,
            "pool": net.read_timeout,
        }

    def _bound_timeouts(self, request: httpx2.Request) -> None:
        """Some HfApi calls pass `timeout=None` per request, which disables the
        client's timeout; put ours back (the shorter one wins)."""
        asked = dict(request.extensions.get("timeout") or {})
        for name, limit in self._limits.items():
            value = asked.get(name)
            asked[name] = limit if value is None else min(float(value), limit)
        request.extensions["timeout"] = asked

    def _send(self, request: httpx2.Request) -> httpx2.Response:
        """The inner transport, retrying a read whose connection failed `retries` times."""
        attempts = 1 + (self._net.retries if request.method in _RETRIED_METHODS else 0)
        for attempt in range(attempts):
            try:
                return self._inner.handle_request(request)
            except (httpx2.NetworkError, httpx2.RemoteProtocolError) as error:
                if isinstance(error, httpx2.TimeoutException):
                    raise
                if attempt + 1 >= attempts:
                    raise HubUnavailableError(
                        f"cannot reach the Hub at {request.url.scheme}://{request.url.netloc.decode()}"
                        f" ({error}; {attempts} attempt(s), network.retries = "
                        f"{self._net.retries})",
                        unreachable=True,
                    ) from None
                wait = min(self._net.backoff_base * 2**attempt, self._net.retry_max_wait)
                time.sleep(wait * random.uniform(0.5, 1.0))  # jitter
        raise AssertionError("unreachable")  # pragma: no cover

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        self._bound_timeouts(request)
        try:
            response = self._send(request)
        except httpx2.TimeoutException as error:
            raise HubUnavailableError(
                f"the Hub did not answer {request.method} {request.url.path} in time ({error})"
            ) from None
        try:
            if response.status_code in _STOP_STATUSES:
                raise HubUnavailableError(
                    f"the Hub answered {response.status_code} to {request.method} "
                    f"{request.url.path}",
                    status=response.status_code,
                    retry_after=_retry_after(response.headers),
                )
            body = self._read(response, request)
        finally:
            response.close()
        encoded = response.headers.get("content-encoding", "identity").lower()
        if "json" in response.headers.get("content-type", "") and encoded == "identity":
            body = body.decode("utf-8", errors="replace").encode("utf-8")
            jsonlimits.check(body, what=f"the Hub's reply to {request.url.path}")
        headers = list(response.headers.multi_items())
        if request.method != "HEAD":  # a HEAD's Content-Length is the file's size: keep it
            headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
            headers.append(("content-length", str(len(body))))
        return httpx2.Response(
            response.status_code,
            headers=headers,
            content=body,
            request=request,
            extensions=response.extensions,
        )

    def _read(self, response: httpx2.Response, request: httpx2.Request) -> bytes:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self._max_bytes:
            raise ResponseTooLargeError(
                f"{request.url} announced {declared} bytes; the cap is {self._max_bytes}"
            )
        chunks: list[bytes] = []
        total = 0
        assert isinstance(response.stream, httpx2.SyncByteStream)
        for chunk in response.stream:
            total += len(chunk)
            if total > self._max_bytes:
                raise ResponseTooLargeError(f"{request.url} sent more than {self._max_bytes} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    def close(self) -> None:
        self._inner.close()


def hub_client(net: NetConfig) -> httpx2.Client:
    """A client for huggingface_hub with the safeguards above."""
    return httpx2.Client(
        transport=HubTransport(httpx2.HTTPTransport(trust_env=False), net),
        timeout=httpx2.Timeout(net.read_timeout, connect=net.connect_timeout),
        follow_redirects=True,
        max_redirects=net.max_redirects,
        headers={"Accept-Encoding": "identity"},
        event_hooks={"request": [hf_request_event_hook]},
        trust_env=False,
    )


def configure_hub_http(net: NetConfig) -> None:
    """Make huggingface_hub (process-wide: it has one shared client) use `hub_client(net)`."""
    huggingface_hub.set_client_factory(lambda: hub_client(net))
