"""Golden renderings: a change to how threads or the digest look shows up as a diff here.
Regenerate after an intended change with UPDATE_GOLDEN=1."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console

from hypewatch.bot.digest import (
    Digest,
    FailedClaim,
    LaunchEntry,
    StatusChange,
    render_html,
    render_text,
)
from hypewatch.bot.markup import discord_root_payload, to_discord, to_plain, to_slack_blocks
from hypewatch.bot.notifiers.console import message_text
from hypewatch.bot.threads import ChartBar, Message, load_view, render_event, render_root
from hypewatch.storage import Store

GOLDEN = Path(__file__).with_name("golden")


def check(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} missing; run with UPDATE_GOLDEN=1 once"
    assert text == path.read_text(encoding="utf-8")


def _messages(store: Store, reflection) -> list[Message]:
    launch = reflection(store)
    replies = [render_event(store, e) for e in store.events(launch.id)]
    return [render_root(load_view(store, launch.id)), *(m for m in replies if m is not None)]


@pytest.mark.parametrize("platform", ["plain", "discord", "slack", "console"])
def test_thread_renderings(store: Store, reflection, platform: str) -> None:
    messages = _messages(store, reflection)
    assert [m.kind for m in messages] == ["root", "new_source", "verification_started", "verdict"]
    if platform == "plain":
        out = "\n\n----\n\n".join(to_plain(m) for m in messages)
    elif platform == "discord":
        parts = [json.dumps(discord_root_payload(messages[0]), indent=1, ensure_ascii=False)]
        parts += [to_discord(m) for m in messages[1:]]
        out = "\n\n----\n\n".join(parts)
    elif platform == "slack":
        blocks = [to_slack_blocks(m, header=m.kind == "root") for m in messages]
        out = json.dumps(blocks, indent=1, ensure_ascii=False)
    else:
        console = Console(record=True, width=100, color_system=None)
        for m in messages:
            console.print(message_text(m))
        out = console.export_text()
    check(f"thread.{platform}.txt", out + "\n")


def _digest() -> Digest:
    return Digest(
        iso_week="2024-W37",
        start=datetime(2024, 9, 2, 9, tzinfo=UTC),
        end=datetime(2024, 9, 9, 9, tzinfo=UTC),
        launches=[
            LaunchEntry("Reflection-70B", "mattshumer", "failed", "2024-09-05",
                        "https://huggingface.co/mattshumer/Reflection", 6, 2, 0, True),
            LaunchEntry("<img src=x onerror=alert(1)>", "", "under review", "2024-09-06",
                        "javascript:alert(1)", 1, 0, 0, True),
        ],
        changes=[StatusChange("2024-09-07 10:00", "Reflection-70B", "MMLU 0-shot", "verifying",
                              "failed", "below the claim")],
        failed=[FailedClaim("Reflection-70B", "MMLU 0-shot", "89.9", "61.2", "58.1–64", "500",
                            "benchmark", "Measured far below the claim.")],
        chart=(ChartBar("MMLU", 89.9, 61.2, 58.1, 64.0),),
    )  # fmt: skip


def test_digest_renderings() -> None:
    digest = _digest()
    check("digest.txt", render_text(digest))
    html = render_html(digest, image_src="cid:chart@hypewatch.local")
    assert "javascript:" not in html
    assert "<img src=x" not in html
    check("digest.html", html)
