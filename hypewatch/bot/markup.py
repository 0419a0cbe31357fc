"""Escaping and per-platform rendering of thread `Message`s, within each platform's limits.

- plain text: spans as written, links as `text (url)`.
- Discord markdown: every markdown character backslash-escaped, mentions
  (`@everyone`, `@here`, full-width `＠everyone`, `<@id>`, `<@&role>`, `<#chan>`)
  broken with a zero-width space or an escaped `<`, masked links `[t](u)`
  impossible in untrusted text. Our own links are `[text](<url>)`.
- Slack mrkdwn: `&`, `<`, `>` escaped (so `<!channel>` and `<url|text>` in
  untrusted text are inert), our links `<url|text>`.

A text longer than its limit is cut at a line (or, for one long line, at a
safe character) and ends with a visible cut mark.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from hypewatch.bot.chart import text_chart
from hypewatch.bot.threads import Line, Message, Span

DISCORD_CONTENT_LIMIT = 2000
DISCORD_EMBED_LIMIT = 4096
DISCORD_EMBED_TITLE_LIMIT = 256
DISCORD_THREAD_NAME_LIMIT = 100
SLACK_SECTION_LIMIT = 3000
SLACK_HEADER_LIMIT = 150
SLACK_TEXT_LIMIT = 3000
SLACK_MAX_BLOCKS = 50

_ZWSP = "\u200b"
_DISCORD_SPECIAL = re.compile(r"([\\*_~`|<>\[\]()#:])")
_DISCORD_LINE_START = re.compile(r"^(\s*)([-+]|\d+\.)", re.MULTILINE)
_AT_WORD = re.compile(r"([@＠﹫])", re.UNICODE)


def cut_mark(removed: int) -> str:
    return f"… [cut: {removed} more characters]"


def fit(text: str, limit: int, *, safe_end: Callable[[str], str] = lambda s: s) -> str:
    """`text` if it fits, else a prefix ending at a line (or a safe point) plus a cut mark."""
    if len(text) <= limit:
        return text
    mark = cut_mark(len(text))
    room = max(0, limit - len(mark) - 1)
    head = text[:room]
    newline = head.rfind("\n")
    if newline > room // 2:
        head = head[:newline]
    head = safe_end(head)
    mark = cut_mark(len(text) - len(head))
    return f"{head}\n{mark}" if len(head) + len(mark) + 1 <= limit else head[: limit - 1] + "…"


# -- plain -----------------------------------------------------------------------


def _plain_span(span: Span) -> str:
    if span.url and span.url != span.text:
        return f"{span.text} ({span.url})"
    return span.text


def plain_line(line: Line) -> str:
    return "".join(_plain_span(s) for s in line)


def to_plain(message: Message, *, chart: bool = True) -> str:
    lines = [message.title, *(plain_line(line) for line in message.lines)]
    if chart and message.chart:
        lines += ["", *text_chart(message.chart)]
    return "\n".join(lines)


# -- Discord ---------------------------------------------------------------------


def discord_escape(text: str) -> str:
    """Make untrusted text render literally in Discord and ping nobody."""
    text = _DISCORD_SPECIAL.sub(r"\\\1", text)
    text = _DISCORD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)
    return _AT_WORD.sub(lambda m: m.group(1) + _ZWSP, text)


def _discord_url(url: str) -> str:
    return quote(url, safe=":/?#@!$&'*+,;=%~-._")


def _discord_span(span: Span) -> str:
    if span.style == "quote":
        return "> "
    if span.url:
        return f"[{discord_escape(span.text)}](<{_discord_url(span.url)}>)"
    if span.style == "code":
        inner = span.text.replace("`", "ˋ").replace("\n", " ")
        return f"`{_AT_WORD.sub(lambda m: m.group(1) + _ZWSP, inner)}`"
    if span.style == "bold":
        core = span.text.rstrip()  # "**x **" does not render as bold
        return f"**{discord_escape(core)}**{span.text[len(core) :]}" if core else span.text
    return discord_escape(span.text)


def discord_line(line: Line) -> str:
    return "".join(_discord_span(s) for s in line)


def _discord_safe_end(text: str) -> str:
    # a trailing backslash would escape whatever follows the cut
    return text.rstrip("\\")


def _code_block(lines: list[str]) -> str:
    return "```\n" + "\n".join(lines) + "\n```" if lines else ""


def to_discord(message: Message, limit: int = DISCORD_CONTENT_LIMIT) -> str:
    """Discord markdown for a message, at most `limit` characters; the chart only if it fits."""
    body = "\n".join(discord_line(line) for line in message.lines)
    chart = _code_block(
        [_AT_WORD.sub(lambda m: m.group(1) + _ZWSP, x) for x in text_chart(message.chart)]
    )
    if chart and len(body) + len(chart) + 1 <= limit:
        return f"{body}\n{chart}"
    return fit(body, limit, safe_end=_discord_safe_end)


def discord_title(text: str, limit: int) -> str:
    """A thread name or embed title: plain text (no markdown there), mentions broken, capped."""
    value = _AT_WORD.sub(lambda m: m.group(1) + _ZWSP, text.replace("\n", " "))
    return value if len(value) <= limit else value[: limit - 1] + "…"


def discord_root_payload(message: Message) -> dict[str, Any]:
    """The root post: a short content line and an embed holding the summary."""
    return {
        "content": fit(discord_escape(message.title), DISCORD_CONTENT_LIMIT),
        "embeds": [
            {
                "title": discord_title(message.title, DISCORD_EMBED_TITLE_LIMIT),
                "description": to_discord(message, DISCORD_EMBED_LIMIT),
                "color": _EMBED_COLORS.get(message.status, 0x607D8B),
            }
        ],
        "allowed_mentions": {"parse": []},
    }


_EMBED_COLORS = {
    "failed": 0xC62828,
    "replicated": 0x2E7D32,
    "under review": 0xF9A825,
    "mixed": 0x8D6E00,
}


# -- Slack -----------------------------------------------------------------------


def slack_escape(text: str) -> str:
    """Slack's three control characters; nothing else is needed to stop mentions and links."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_url(url: str) -> str:
    return url.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")


def _slack_span(span: Span) -> str:
    if span.style == "quote":
        return ">"
    if span.url:
        return f"<{_slack_url(span.url)}|{slack_escape(span.text)}>"
    if span.style == "code":
        return f"`{slack_escape(span.text.replace('`', 'ˋ'))}`"
    if span.style == "bold":
        core = span.text.rstrip()  # "*x *" does not render as bold
        return f"*{slack_escape(core)}*{span.text[len(core) :]}" if core else span.text
    return slack_escape(span.text)


def slack_line(line: Line) -> str:
    return "".join(_slack_span(s) for s in line)


def _slack_safe_end(text: str) -> str:
    amp = text.rfind("&")
    return text[:amp] if amp != -1 and ";" not in text[amp:] else text


def _sections(lines: list[str]) -> list[str]:
    """Group rendered lines into section texts of at most SLACK_SECTION_LIMIT characters."""
    sections: list[str] = []
    current = ""
    for line in lines:
        piece = fit(line, SLACK_SECTION_LIMIT, safe_end=_slack_safe_end)
        if current and len(current) + 1 + len(piece) > SLACK_SECTION_LIMIT:
            sections.append(current)
            current = piece
        else:
            current = f"{current}\n{piece}" if current else piece
    if current:
        sections.append(current)
    return sections


def to_slack_blocks(message: Message, *, header: bool) -> list[dict[str, Any]]:
    """Block Kit: a header (roots), sections of mrkdwn, the chart as a code section."""
    blocks: list[dict[str, Any]] = []
    if header:
        title = (
            message.title if len(message.title) <= SLACK_HEADER_LIMIT else message.title[:149] + "…"
        )
        blocks.append({"type": "header", "text": {"type": "plain_text", "text": title}})
    for text in _sections([slack_line(line) for line in message.lines]):
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    chart = text_chart(message.chart)
    if chart:
        code = "```" + slack_escape("\n".join(chart)) + "```"
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": fit(code, SLACK_SECTION_LIMIT)}}
        )
    if len(blocks) > SLACK_MAX_BLOCKS:
        dropped = len(blocks) - SLACK_MAX_BLOCKS + 1
        blocks = blocks[: SLACK_MAX_BLOCKS - 1]
        note = f"… [cut: {dropped} more sections]"
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": note}]})
    return blocks


def to_slack_text(message: Message) -> str:
    """The notification/fallback text (also parsed for mentions, so escaped too)."""
    first = slack_line(message.lines[0]) if message.lines else ""
    text = f"{slack_escape(message.title)}: {first}" if first else slack_escape(message.title)
    return fit(text, SLACK_TEXT_LIMIT, safe_end=_slack_safe_end)
