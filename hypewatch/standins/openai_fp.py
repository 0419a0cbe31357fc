"""A stand-in OpenAI-compatible chat-completions server backed by real tokenizers.

Each backend is a tokenizer — a `tokenizers.Tokenizer` (trained by the tests) or
a `Codec` (a real tokenizer shipped in a package, `verifiers.fingerprint.codecs`,
the same one a default reference is built from) — plus a persona
(how it answers fixed prompts), a chat-template overhead, words it scrubs from
replies and whether it reports `usage`. The server speaks the real wire
format: `POST /v1/chat/completions`, JSON or SSE (`stream: true`, with
`stream_options.include_usage`), `max_tokens` cut with `finish_reason:
"length"`. Modes: "ok", "garbage" (200 with non-JSON), "error" (500),
"hang" (never answers within the client's timeout). `state["latency"]`
adds seconds before every answer.

Backends are chosen per request: `state["active"]` (an index the test may
change between probes) or, with `state["switch_every"] = n`, the next
backend every n requests (a swap in the middle of a session).
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from tokenizers import Tokenizer

from hypewatch.standins.http import StandinHandler
from hypewatch.verifiers.fingerprint.codecs import Codec, HFCodec

_REPEAT = re.compile(r"^Repeat (?:the following text|this list) exactly[^\n]*\n", re.DOTALL)


@dataclass
class Persona:
    identity: str = "I am a helpful assistant."
    answers: dict[str, str] = field(default_factory=dict)
    default: str = "Happy to help with that."


@dataclass
class Backend:
    tokenizer: Tokenizer | Codec
    persona: Persona = field(default_factory=Persona)
    request_overhead: int = 3
    message_overhead: int = 4
    scrub: tuple[str, ...] = ()
    usage: bool = True

    @property
    def codec(self) -> Codec:
        return HFCodec(self.tokenizer) if isinstance(self.tokenizer, Tokenizer) else self.tokenizer

    def count(self, text: str) -> int:
        return len(self.codec.encode(text))

    def prompt_tokens(self, messages: list[dict[str, str]]) -> int:
        return self.request_overhead + sum(
            self.message_overhead + self.count(m.get("content", "")) for m in messages
        )

    def answer(self, messages: list[dict[str, str]]) -> str:
        last = messages[-1].get("content", "") if messages else ""
        repeat = _REPEAT.match(last)
        if repeat:
            text = last[repeat.end() :]
        elif "which company trained you" in last:
            text = self.persona.identity
        else:
            text = self.persona.answers.get(last, self.persona.default)
        for word in self.scrub:
            text = re.sub(re.escape(word), "", text, flags=re.IGNORECASE)
        return text

    def generate(self, messages: list[dict[str, str]], max_tokens: int) -> tuple[list[int], str]:
        ids = self.codec.encode(self.answer(messages))
        finish = "length" if len(ids) > max_tokens else "stop"
        return ids[:max_tokens], finish

    def pieces(self, ids: list[int]) -> list[str]:
        """Incremental detokenization, holding back incomplete characters (like vLLM)."""
        sent, chunks = "", []
        for i in range(len(ids)):
            full = self.codec.decode(ids[: i + 1])
            if full.endswith("\ufffd") or not full.startswith(sent):
                continue
            if len(full) > len(sent):
                chunks.append(full[len(sent) :])
                sent = full
        return chunks


class OpenAIFingerprintHandler(StandinHandler):
    def do_POST(self) -> None:
        raw = self.read_body()
        mode = self.state.get("mode", "ok")
        if self.state.get("latency"):
            time.sleep(float(self.state["latency"]))  # a model's time to first byte
        if mode == "hang":
            self.state.setdefault("release", threading.Event()).wait(self.state.get("hang", 5.0))
            return
        if mode == "error":
            self.send_json(500, {"error": {"message": "internal error", "type": "server_error"}})
            return
        if mode == "garbage":
            self.send_bytes(200, b"<html>definitely not json", "text/html")
            return
        if not self.path.rstrip("/").endswith("/v1/chat/completions"):
            self.send_json(404, {"error": {"message": "not found"}})
            return
        try:
            body = json.loads(raw)
            messages = body["messages"]
        except (ValueError, KeyError):
            self.send_json(400, {"error": {"message": "bad request"}})
            return
        backend = self._backend()
        ids, finish = backend.generate(messages, int(body.get("max_tokens") or 256))
        usage = {
            "prompt_tokens": backend.prompt_tokens(messages),
            "completion_tokens": len(ids),
            "total_tokens": backend.prompt_tokens(messages) + len(ids),
        }
        if body.get("stream"):
            include = bool((body.get("stream_options") or {}).get("include_usage"))
            self._stream(backend, ids, finish, usage if backend.usage and include else None)
            return
        document: dict[str, Any] = {
            "id": "chatcmpl-standin",
            "object": "chat.completion",
            "model": body.get("model", ""),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": backend.codec.decode(ids)},
                    "finish_reason": finish,
                }
            ],
        }
        if backend.usage:
            document["usage"] = usage
        self.send_json(200, document)

    def _backend(self) -> Backend:
        backends: list[Backend] = self.state["backends"]
        with self.server.lock:
            served = self.state.get("served", 0)
            self.state["served"] = served + 1
        every = self.state.get("switch_every")
        index = int((served // every) % len(backends) if every else self.state.get("active", 0))
        return backends[index]

    def _stream(
        self, backend: Backend, ids: list[int], finish: str, usage: dict[str, int] | None
    ) -> None:
        events: list[dict[str, Any]] = [
            {"choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
            for piece in backend.pieces(ids)
        ]
        events.append({"choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
        if usage is not None:
            events.append({"choices": [], "usage": usage})
        lines = [
            f"data: {json.dumps({'object': 'chat.completion.chunk', **e})}\n\n" for e in events
        ]
        lines.append("data: [DONE]\n\n")
        self.send_bytes(200, "".join(lines).encode(), "text/event-stream")
