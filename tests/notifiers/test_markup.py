from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from hypewatch.bot.chart import png_chart
from hypewatch.bot.markup import (
    discord_escape,
    fit,
    slack_escape,
    to_discord,
    to_slack_blocks,
    to_slack_text,
)
from hypewatch.bot.threads import ChartBar, Message, Span, clean, safe_url

HOSTILE = st.text(
    alphabet=st.sampled_from([*list("@＠﹫<>&|[]()*_~`#:\\\n\r-everyonhr123!."), "\u202e", "\x1b"]),
    max_size=400,
)


def _message(text: str, lines: int = 1) -> Message:
    body = tuple((Span(clean(text, 10_000)),) for _ in range(lines))
    return Message(kind="verdict", title="T", lines=body, launch_id=1)


@settings(max_examples=200, deadline=None)
@given(HOSTILE, st.integers(1, 30))
def test_discord_output_never_pings_and_keeps_the_limit(text: str, lines: int) -> None:
    out = to_discord(_message(text, lines), 2000)
    assert len(out) <= 2000
    assert re.search(r"(?<!\\)<[@#!&/]", out) is None  # <@user>, <@&role>, <#chan>, </cmd:..>
    assert re.search(r"[@＠﹫](everyone|here)", out) is None
    assert "\x1b" not in out
    assert "\r" not in out


@settings(max_examples=200, deadline=None)
@given(HOSTILE, st.integers(1, 30))
def test_slack_output_has_no_control_sequences_from_text(text: str, lines: int) -> None:
    message = _message(text, lines)
    for block in to_slack_blocks(message, header=True):
        if block["type"] == "section":
            body = block["text"]["text"]
            assert len(body) <= 3000
            assert "<" not in body
            assert ">" not in body.replace("&gt;", "")
    assert "<" not in to_slack_text(message)


def test_escapes_by_example() -> None:
    assert discord_escape("@everyone ＠here") == "@\u200beveryone ＠\u200bhere"
    assert discord_escape("[x](https://e.x)") == "\\[x\\]\\(https\\://e.x\\)"
    assert discord_escape("- a\n1. b") == "\\- a\n\\1. b"
    assert slack_escape("<!channel> <https://e.x|t> & co") == (
        "&lt;!channel&gt; &lt;https://e.x|t&gt; &amp; co"
    )


def test_fit_cuts_at_a_line_with_a_visible_mark() -> None:
    text = "\n".join(f"line {i}" for i in range(1000))
    out = fit(text, 500)
    assert len(out) <= 500
    assert out.endswith("more characters]")
    assert out.splitlines()[-2].startswith("line ")  # cut at a whole line
    assert fit("short", 500) == "short"


def test_safe_url_accepts_only_http() -> None:
    assert safe_url("https://huggingface.co/a/b") == "https://huggingface.co/a/b"
    for bad in ("javascript:alert(1)", "data:text/html,x", "mailto:a@b", "https://a b", "//x.y"):
        assert safe_url(bad) == ""


def test_png_chart_is_a_valid_png() -> None:
    data = png_chart([ChartBar("MMLU", 89.9, 61.2, 58.1, 64.0), ChartBar("GSM8K", 99.2)])
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert data.endswith(b"IEND\xaeB`\x82")
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (800, 210)  # matplotlib, 8 in x (1.1 + 0.5 * rows) in at 100 dpi
