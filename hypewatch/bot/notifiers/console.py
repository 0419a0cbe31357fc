"""The self-hosted default: the same thread renderings, printed to a terminal with rich.

A root prints as a panel headed by the launch, each reply as an indented
block under `↳ <launch>`, an edited root as `root updated` with its new
summary. Text goes in as `rich.text.Text`, never as markup, so `[bold]` or
`[link=...]` in a post prints literally; control characters were already
removed by the renderer.
"""

from __future__ import annotations

import itertools

from rich.console import Console
from rich.padding import Padding
from rich.panel import Panel
from rich.text import Text

from hypewatch.bot.chart import text_chart
from hypewatch.bot.notifiers.base import ThreadRef
from hypewatch.bot.threads import Message

DESTINATION = "console"


def message_text(message: Message) -> Text:
    """A message as rich Text: bold spans bold, code spans cyan, links underlined."""
    text = Text()
    for i, line in enumerate(message.lines):
        if i:
            text.append("\n")
        for span in line:
            if span.url:
                text.append(span.text, style=f"underline link {span.url}")
                if span.text != span.url:
                    text.append(f" ({span.url})", style="dim")
            elif span.style == "bold":
                text.append(span.text, style="bold")
            elif span.style == "code":
                text.append(span.text, style="cyan")
            else:
                text.append(span.text)
    chart = text_chart(message.chart)
    if chart:
        text.append("\n\n" + "\n".join(chart), style="dim")
    return text


class ConsoleNotifier:
    """Prints threads; destination `console`."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(highlight=False, soft_wrap=True)
        self._ids = itertools.count(1)

    def handles(self, destination: str) -> bool:
        return destination == DESTINATION

    def destinations(self) -> list[str]:
        return [DESTINATION]

    def _panel(self, root: Message, subtitle: str) -> Panel:
        return Panel(message_text(root), title=Text(root.title, style="bold"), subtitle=subtitle)

    async def create_thread(self, destination: str, root: Message, key: str) -> ThreadRef:
        self.console.print(self._panel(root, "new launch thread"))
        return ThreadRef(f"console-{root.launch_id}-{next(self._ids)}")

    async def reply(self, destination: str, thread: ThreadRef, message: Message, key: str) -> str:
        head = Text("↳ ", style="dim")
        head.append(message.title, style="bold")
        self.console.print(head)
        self.console.print(Padding(message_text(message), (0, 0, 0, 2)))
        return f"console-{next(self._ids)}"

    async def edit_root(self, destination: str, thread: ThreadRef, root: Message) -> None:
        self.console.print(self._panel(root, "root updated"))

    async def find_thread(self, destination: str, key: str) -> None:
        return None  # a terminal cannot be read back

    async def find_delivered(self, destination: str, thread: ThreadRef, key: str) -> None:
        return None

    async def aclose(self) -> None:
        return None
