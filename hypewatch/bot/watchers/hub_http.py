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
- caps every response body at `NetConfig.max_response_bytes`;
- replaces invalid UTF-8 in JSON bodies, so one bad byte in a model card
  does not make the whole listing unreadable.

The Hub endpoint is a trusted origin (`NetConfig.trusted_origins`), so the
private-address guard of `hypewatch.net` does not apply to it.
"""

from __future__ import annotations

import httpx2
import huggingface_hub
from huggingface_hub.utils._http import hf_request_event_hook

from hypewatch.net import NetConfig, ResponseTooLargeError

_STOP_STATUSES = frozenset({408, 429, 500, 502, 503, 504, 520, 522})


class HubUnavailableError(Exception):
    """The Hub answered 429/5xx or timed out; `retry_after` is in seconds when it said."""

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


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

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        self._bound_timeouts(request)
        try:
            response = self._inner.handle_request(request)
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
