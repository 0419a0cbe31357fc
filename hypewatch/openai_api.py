"""The OpenAI-compatible chat-completions wire format, shared by the verifiers that speak it
(the benchmark runner and the endpoint fingerprinter): where to POST, how to read a reply."""

from __future__ import annotations

from typing import Any

import httpx

#: The largest chat-completion reply read (bytes of JSON): far above what a reply of the
#: token limits hypewatch asks for takes; a larger one is refused before it is parsed.
MAX_REPLY_BYTES = 4_000_000


class NotAnEndpointError(ValueError):
    """A URL that cannot be an OpenAI-compatible server, or a reply that is not a completion."""


def chat_url(endpoint: str) -> str:
    """`http://h:8000` -> `.../v1/chat/completions`; `.../v1` -> `.../v1/chat/completions`;
    a full `.../chat/completions` route is kept."""
    url = httpx.URL(endpoint.strip())
    if url.scheme not in ("http", "https") or not url.host:
        raise NotAnEndpointError(
            f"endpoint {endpoint!r} is not an http(s) URL; give the server's base URL, "
            "e.g. http://127.0.0.1:8000/v1"
        )
    path = url.path.rstrip("/")
    if path.endswith("/chat/completions"):
        return str(url.copy_with(path=path))
    if not path:
        path = "/v1"
    return str(url.copy_with(path=f"{path}/chat/completions", query=None))


def first_choice(document: Any) -> dict[str, Any]:
    """`choices[0]` of a completion, or NotAnEndpointError saying what is missing."""
    choices = document.get("choices") if isinstance(document, dict) else None
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise NotAnEndpointError(
            "the reply has no 'choices'; is this an OpenAI-compatible chat-completions endpoint?"
        )
    choice: dict[str, Any] = choices[0]
    return choice
