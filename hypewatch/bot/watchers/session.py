"""A `requests.Session` for the clients that bring their own (tweepy, praw).

tweepy and prawcore send every request through a `requests.Session`; this
one is the seam hypewatch controls:

- `rewrite`: a URL prefix replaced before sending. tweepy hard-codes
  `https://api.twitter.com` inside `BaseClient.request()`; assigning a
  session with `rewrite=("https://api.twitter.com", "http://127.0.0.1:PORT")`
  to `client.session` reaches a stand-in (or a proxy) without touching tweepy.
- the outbound guard of `hypewatch.net`: each origin (redirect hops too) is checked once
  with `net.check_url` (loopback/private refused unless allowed) before any byte
  is sent to it;
- a (connect, read) timeout: tweepy sets none, prawcore 16 s; the shorter wins;
- a byte cap on every response body, applied while reading, and JSON bodies checked for
  depth and integer length (`hypewatch.jsonlimits`) before the library parses them.
"""

from __future__ import annotations

from typing import Any

import requests

from hypewatch import jsonlimits
from hypewatch.net import NetConfig, ResponseTooLargeError, check_url, origin_of


class WatcherSession(requests.Session):
    def __init__(self, net: NetConfig, *, rewrite: tuple[str, str] | None = None) -> None:
        super().__init__()
        self.net = net
        self.rewrite = rewrite
        self.trust_env = False
        self.max_redirects = net.max_redirects
        self.headers["User-Agent"] = net.user_agent
        self._checked: set[str] = set()

    def _target(self, url: str) -> str:
        if self.rewrite is not None and url.startswith(self.rewrite[0]):
            return self.rewrite[1] + url[len(self.rewrite[0]) :]
        return url

    def _timeout(self, asked: Any) -> tuple[float, float]:
        """(connect, read): the client's timeout, capped by ours (prawcore asks 16 s)."""
        connect, read = self.net.connect_timeout, self.net.read_timeout
        if isinstance(asked, int | float):
            return min(connect, float(asked)), min(read, float(asked))
        if isinstance(asked, tuple) and len(asked) == 2:
            return min(connect, asked[0] or connect), min(read, asked[1] or read)
        return connect, read

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        """Every hop, redirects included, passes the guard before it is sent."""
        url = request.url or ""
        origin = origin_of(url)
        if origin not in self._checked:
            check_url(url, self.net)
            self._checked.add(origin)
        return super().send(request, **kwargs)

    def request(
        self, method: str, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:
        target = self._target(url.decode() if isinstance(url, bytes) else url)
        kwargs["timeout"] = self._timeout(kwargs.get("timeout"))
        kwargs["stream"] = True
        response = super().request(method, target, *args, **kwargs)
        _read_capped(response, self.net.max_response_bytes)
        return response


def _read_capped(response: requests.Response, cap: int) -> None:
    """Read the (decoded) body, stopping with an error past `cap` bytes."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        response.close()
        raise ResponseTooLargeError(f"{response.url} announced {declared} bytes; the cap is {cap}")
    chunks: list[bytes] = []
    total = 0
    for chunk in response.iter_content(chunk_size=65536):
        total += len(chunk)
        if total > cap:
            response.close()
            raise ResponseTooLargeError(f"{response.url} sent more than {cap} bytes; stopped")
        chunks.append(chunk)
    response._content = b"".join(chunks)
    response._content_consumed = True
    response.close()
    if "json" in response.headers.get("content-type", ""):  # tweepy and praw parse it next
        jsonlimits.check(response._content, what=f"the reply from {origin_of(response.url)}")
