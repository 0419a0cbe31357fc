"""OpenAI-compatible chat completions over the guarded client, for probing.

Every reply is size-capped and parsed defensively: an endpoint under test is
untrusted, and one that answers garbage, hangs or fails turns into a
`ProbeError` naming what went wrong, never a crash.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from hypewatch import jsonlimits, openai_api
from hypewatch.config import Secret
from hypewatch.net import NET_ERRORS, UnreachableError

MAX_REPLY_CHARS = 20_000
MAX_CHUNKS = 4_000

Message = dict[str, str]


class ProbeError(Exception):
    """One request to the endpoint failed; the message says how. `unreachable`: no
    connection could be made at all (hypewatch.net.UnreachableError)."""

    def __init__(self, message: str, *, unreachable: bool = False) -> None:
        super().__init__(message)
        self.unreachable = unreachable


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int
    completion_tokens: int | None


@dataclass(frozen=True)
class Reply:
    text: str
    finish_reason: str | None
    usage: Usage | None
    chunks: list[str] = field(default_factory=list)


def _usage(data: Any) -> Usage | None:
    if not isinstance(data, dict):
        return None
    prompt = data.get("prompt_tokens")
    completion = data.get("completion_tokens")
    if not isinstance(prompt, int) or isinstance(prompt, bool) or prompt < 0:
        return None
    return Usage(prompt, completion if isinstance(completion, int) else None)


def _choice(document: Any) -> dict[str, Any]:
    try:
        return openai_api.first_choice(document)
    except openai_api.NotAnEndpointError as error:
        raise ProbeError(str(error)) from None


class ChatClient:
    """Sends chat completions to one endpoint and counts the requests it made."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        endpoint: str,
        model: str,
        api_key: Secret | None = None,
    ) -> None:
        self._http = http
        self.endpoint = endpoint
        self.url = openai_api.chat_url(endpoint)
        self.model = model
        self._headers = {"Authorization": f"Bearer {api_key.reveal()}"} if api_key else {}
        self.requests = 0
        self.seconds = 0.0

    def _body(self, messages: list[Message], max_tokens: int, stream: bool) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "max_tokens": max_tokens,
            "temperature": 0,
            "seed": 0,
        }
        if stream:
            body["stream"] = True
            body["stream_options"] = {"include_usage": True}
        return body

    async def complete(self, messages: list[Message], max_tokens: int) -> Reply:
        self.requests += 1
        started = time.monotonic()
        try:
            response = await self._http.post(
                self.url, json=self._body(messages, max_tokens, False), headers=self._headers
            )
            await response.aread()
        except NET_ERRORS as error:
            raise ProbeError(
                _describe_failure(error), unreachable=isinstance(error, UnreachableError)
            ) from None
        finally:
            self.seconds += time.monotonic() - started
        _check_status(response)
        try:
            document = jsonlimits.loads(
                response.content,
                what=f"the reply from {self.url}",
                max_bytes=openai_api.MAX_REPLY_BYTES,
            )
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise ProbeError(
                f"reply is not JSON (starts {response.text[:60]!r}): not an OpenAI-compatible API"
            ) from None
        choice = _choice(document)
        message = choice.get("message")
        content = message.get("content") if isinstance(message, dict) else None
        if content is not None and not isinstance(content, str):
            raise ProbeError("choices[0].message.content is not a string")
        finish = choice.get("finish_reason")
        return Reply(
            text=(content or "")[:MAX_REPLY_CHARS],
            finish_reason=finish if isinstance(finish, str) else None,
            usage=_usage(document.get("usage")),
        )

    async def stream(self, messages: list[Message], max_tokens: int) -> Reply:
        self.requests += 1
        started = time.monotonic()
        body = self._body(messages, max_tokens, True)
        try:
            async with self._http.stream(
                "POST", self.url, json=body, headers=self._headers
            ) as response:
                if response.status_code != 200:
                    await response.aread()
                    _check_status(response)
                return await _read_sse(response)
        except NET_ERRORS as error:
            raise ProbeError(
                _describe_failure(error), unreachable=isinstance(error, UnreachableError)
            ) from None
        finally:
            self.seconds += time.monotonic() - started


async def _read_sse(response: httpx.Response) -> Reply:
    chunks: list[str] = []
    finish: str | None = None
    usage: Usage | None = None
    size = 0
    async for line in response.aiter_lines():
        if not line.startswith("data:"):
            continue
        payload = line[5:].strip()
        if payload == "[DONE]":
            break
        try:
            event = jsonlimits.loads(payload, what="a stream event from the endpoint")
        except json.JSONDecodeError:
            raise ProbeError(f"stream event is not JSON: {payload[:60]!r}") from None
        if not isinstance(event, dict):
            raise ProbeError("stream event is not a JSON object")
        usage = _usage(event.get("usage")) or usage
        choices = event.get("choices")
        if not choices:
            continue
        choice = _choice(event)
        delta = choice.get("delta")
        piece = delta.get("content") if isinstance(delta, dict) else None
        if isinstance(piece, str) and piece:
            chunks.append(piece)
            size += len(piece)
        if isinstance(choice.get("finish_reason"), str):
            finish = choice["finish_reason"]
        if size > MAX_REPLY_CHARS or len(chunks) > MAX_CHUNKS:
            break
    if not chunks and finish is None:
        raise ProbeError("stream ended without any content or finish_reason")
    return Reply("".join(chunks)[:MAX_REPLY_CHARS], finish, usage, chunks)


def _check_status(response: httpx.Response) -> None:
    if response.status_code == 200:
        return
    snippet = response.text[:120].replace("\n", " ")
    hint = " (check the API key: --api-key-env)" if response.status_code in (401, 403) else ""
    raise ProbeError(f"HTTP {response.status_code} from the endpoint{hint}: {snippet!r}")


def _describe_failure(error: Exception) -> str:
    if isinstance(error, httpx.TimeoutException):
        return f"timed out waiting for the endpoint ({type(error).__name__})"
    return f"{type(error).__name__}: {str(error)[:200]}"
