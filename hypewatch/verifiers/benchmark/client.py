"""An OpenAI-compatible chat-completions client for benchmark items.

It sends through the guarded client from `hypewatch.net`, whose transport
already retries 429 / 5xx / failed connections with jittered backoff and a
capped `Retry-After`; `bench_net_config` tunes that, nothing here retries
again. This module adds: the request body (temperature 0, a seed, max
tokens), a semaphore bounding requests in flight, and reading the reply
(size-capped, malformed replies reported, fatal statuses told apart).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from hypewatch import jsonlimits, openai_api
from hypewatch.config import Secret
from hypewatch.net import (
    NET_ERRORS,
    BlockedDestinationError,
    NetConfig,
    NetError,
    RetryTransport,
)

MAX_REPLY_CHARS = 32_000
MAX_RESPONSE_BYTES = openai_api.MAX_REPLY_BYTES
#: Statuses that will not get better by retrying: wrong key, no such model or route.
FATAL_STATUSES = frozenset({401, 403, 404})


class EndpointError(NetError):
    """One request failed after the transport's retries (the item is skipped)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class EndpointFatalError(EndpointError):
    """The endpoint refuses the run itself (authentication, unknown model or route)."""


def bench_net_config(
    base: NetConfig, *, retries: int = 4, retry_max_wait: float = 30.0
) -> NetConfig:
    """The network settings for a benchmark run: more patience for rate limits, smaller bodies."""
    return base.with_(
        retries=max(base.retries, retries),
        retry_max_wait=min(base.retry_max_wait, retry_max_wait) if base.retry_max_wait else 0.0,
        max_response_bytes=min(base.max_response_bytes, MAX_RESPONSE_BYTES),
    )


def chat_url(endpoint: str) -> str:
    try:
        return openai_api.chat_url(endpoint)
    except openai_api.NotAnEndpointError as error:
        raise EndpointFatalError(str(error)) from None


@dataclass(frozen=True)
class ChatReply:
    text: str
    finish_reason: str
    prompt_tokens: int
    completion_tokens: int
    seconds: float
    reasoning: str = ""  # `reasoning_content` (vLLM, DeepSeek) or `reasoning`, when sent apart

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _content(message: Any) -> str:
    content = message.get("content") if isinstance(message, dict) else None
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content parts
        parts = [p.get("text", "") for p in content if isinstance(p, dict)]
        return "".join(p for p in parts if isinstance(p, str))
    return ""


def _reasoning(message: Any) -> str:
    if not isinstance(message, dict):
        return ""
    for key in ("reasoning_content", "reasoning"):
        value = message.get(key)
        if isinstance(value, str) and value:
            return value[:MAX_REPLY_CHARS]
    return ""


def parse_reply(document: Any, seconds: float) -> ChatReply:
    """Read a chat-completions response body; raise EndpointError if it is not one."""
    try:
        first = openai_api.first_choice(document)
    except openai_api.NotAnEndpointError as error:
        raise EndpointError(str(error)) from None
    usage = document.get("usage") if isinstance(document.get("usage"), dict) else {}
    finish = first.get("finish_reason")
    return ChatReply(
        text=_content(first.get("message"))[:MAX_REPLY_CHARS],
        finish_reason=finish if isinstance(finish, str) else "",
        prompt_tokens=_int(usage.get("prompt_tokens")),
        completion_tokens=_int(usage.get("completion_tokens")),
        seconds=seconds,
        reasoning=_reasoning(first.get("message")),
    )


class Completer(Protocol):
    """What the runner asks of a model: a `ChatClient`, or an endpoint pool of them."""

    @property
    def max_tokens(self) -> int: ...

    @property
    def requests(self) -> int: ...

    async def complete(
        self,
        messages: list[dict[str, str]],
        *,
        max_tokens: int | None = None,
        response_format: dict[str, Any] | None = None,
    ) -> ChatReply: ...


class ChatClient:
    """POST chat completions for one model, at most `concurrency` at a time."""

    def __init__(
        self,
        http: httpx.AsyncClient | Sequence[httpx.AsyncClient],
        endpoint: str,
        model: str,
        *,
        api_key: Secret | None = None,
        max_tokens: int = 512,
        seed: int = 1234,
        concurrency: int = 8,
        temperature: float = 0.0,
    ) -> None:
        if not model.strip():
            raise EndpointFatalError("no model name given; pass the name the server expects")
        self.url = chat_url(endpoint)
        self.model = model
        self.max_tokens = max_tokens
        self.seed = seed
        self.temperature = temperature
        self._pool = [http] if isinstance(http, httpx.AsyncClient) else list(http)
        self._headers = {"Authorization": f"Bearer {api_key.reveal()}"} if api_key else {}
        self._slots = asyncio.Semaphore(concurrency)
        self._calls = 0

    @property
    def requests(self) -> int:
        """HTTP attempts made, retries included (falls back to calls made)."""
        transports = [getattr(http, "_transport", None) for http in self._pool]
        if all(isinstance(t, RetryTransport) for t in transports):
            return sum(t.attempts_made for t in transports if isinstance(t, RetryTransport))
        return self._calls

    def body(
        self,
        messages: list[dict[str, str]],
        max_tokens: int | None = None,
        response_format: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "temperature": self.temperature,
            "seed": self.seed,
            "max_tokens": max_tokens or self.max_tokens,
            "stream": False,
        }
        if response_format is not None:
            body["response_format"] = response_format
        return body

    async def complete(
        self,
        messages: list[dict[str, str]],
        *,
        max_tokens: int | None = None,
        response_format: dict[str, Any] | None = None,
    ) -> ChatReply:
        """One chat completion; `max_tokens` overrides the client's limit, `response_format`
        asks for constrained output (an endpoint without it answers 400: EndpointError)."""
        body = self.body(messages, max_tokens, response_format)
        async with self._slots:
            self._calls += 1
            started = time.monotonic()
            try:
                http = self._pool[self._calls % len(self._pool)]
                response = await http.post(self.url, json=body, headers=self._headers)
            except BlockedDestinationError:
                raise
            except NET_ERRORS as error:
                raise EndpointError(
                    f"request to {self.url} failed: {type(error).__name__}: {error}"
                ) from None
            seconds = time.monotonic() - started
        return self._read(response, seconds)

    def _read(self, response: httpx.Response, seconds: float) -> ChatReply:
        status = response.status_code
        if status != 200:
            detail = response.text[:200].replace("\n", " ")
            error = EndpointFatalError if status in FATAL_STATUSES else EndpointError
            raise error(
                f"{self.url} answered HTTP {status} for model {self.model!r}: {detail}", status
            )
        try:
            document = jsonlimits.loads(
                response.content,
                what=f"the reply from {self.url}",
                max_bytes=openai_api.MAX_REPLY_BYTES,
            )
        except ValueError:
            raise EndpointError(f"{self.url} answered with a body that is not JSON") from None
        return parse_reply(document, seconds)
