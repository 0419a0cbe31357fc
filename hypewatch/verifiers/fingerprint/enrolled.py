"""Closed models as references: the usage counts their own API reports.

`enroll_counts_url` sends the requests whose usage a probing session reads (the
exact messages, `max_tokens: 1`) to a known vendor's OpenAI-compatible API with
the user's key and stores each reported `usage.prompt_tokens`. `counts_reference`
turns them into a `Reference` that knows only those texts: for a probed endpoint
counting with the same tokenizer, `reported - enrolled` is the difference of the
two chat templates' overheads, a line in the number of messages, which the count
fit (`probes.fit_counts`) recovers exactly. It has no token boundaries, so the
stream and truncation probes leave it out.
"""

from __future__ import annotations

from hypewatch.config import Secret
from hypewatch.net import NetConfig, async_client
from hypewatch.storage import Store
from hypewatch.storage.fingerprint import EnrolledCounts, enroll_counts, enrolled_counts
from hypewatch.verifiers.fingerprint.client import ChatClient, Message, ProbeError
from hypewatch.verifiers.fingerprint.probes import (
    COUNT_MULTI,
    COUNT_TEXTS,
    NAMES,
    SELF_ID_PROMPT,
    scrub_prompt,
    user,
)
from hypewatch.verifiers.fingerprint.references import Reference, check_label

ENROLLED_NOTE = "enrolled usage counts"


def count_requests() -> list[list[Message]]:
    """Every request whose usage the count probe reads, in the order a session sends them
    (the scrub list with the built-in names only: extra `scrub_words` change its text)."""
    return [
        *(user(text) for text in COUNT_TEXTS[:2]),
        scrub_prompt(list(NAMES)),
        user(SELF_ID_PROMPT),
        user(COUNT_TEXTS[2]),
        list(COUNT_MULTI),
        user(COUNT_TEXTS[3]),
    ]


def counts_reference(enrolled: EnrolledCounts) -> Reference:
    """A reference that counts exactly the enrolled probe texts.

    Each request's reported total is given to its first message's content and 0 to
    the rest: the vendor's template overhead then sits in the same per-request and
    per-message terms the fit solves for.
    """
    per_text: dict[str, int] = {}
    for messages, reported in enrolled.counts:
        contents = [m.get("content", "") for m in messages]
        if not contents or any(c in per_text for c in contents):
            continue  # a text seen twice would be ambiguous: keep its first request only
        per_text[contents[0]] = reported
        per_text.update(dict.fromkeys(contents[1:], 0))
    return Reference(
        check_label(enrolled.label),
        f"enrolled:{enrolled.endpoint} ({enrolled.model})",
        per_text.__getitem__,
        None,
        name=enrolled.label,
        note=f"{ENROLLED_NOTE} of {enrolled.model or enrolled.endpoint}",
        known=frozenset(per_text),
    )


def enrolled_count_references(store: Store | None) -> list[Reference]:
    return [counts_reference(e) for e in enrolled_counts(store)] if store is not None else []


async def collect_counts(client: ChatClient) -> list[tuple[list[Message], int]]:
    """Send each count request once; every reply must report usage."""
    found: list[tuple[list[Message], int]] = []
    for messages in count_requests():
        reply = await client.complete(messages, 1)
        if reply.usage is None:
            raise ProbeError(
                f"{client.endpoint} reports no usage.prompt_tokens; it cannot be enrolled by counts"
            )
        found.append((messages, reply.usage.prompt_tokens))
    return found


async def enroll_counts_url(
    net: NetConfig,
    store: Store,
    *,
    endpoint: str,
    model: str,
    label: str,
    api_key: Secret | None = None,
) -> EnrolledCounts:
    """Ask `endpoint` the count probes over a guarded client; store what it reports."""
    check_label(label)
    async with async_client(net) as http:
        counts = await collect_counts(ChatClient(http, endpoint, model, api_key))
    return enroll_counts(
        store,
        label=label,
        endpoint=endpoint,
        model=model,
        counts=[([dict(m) for m in messages], n) for messages, n in counts],
    )
