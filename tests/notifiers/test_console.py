from __future__ import annotations

from rich.console import Console

from hypewatch.bot.notifiers.console import ConsoleNotifier
from hypewatch.bot.outbox import Destination, OutboxSender, install_outbox, pending_count
from hypewatch.storage import Store
from hypewatch.storage import delivery as db


async def test_console_prints_root_and_replies_with_markup_inert(store: Store, reflection) -> None:
    console = Console(record=True, width=120, color_system=None)
    install_outbox(store, [Destination("console")])
    launch = reflection(store)
    launch_text = store.get_post("x:1831767014341538166").text
    assert "[click]" in launch_text
    assert pending_count(store) > 0
    sender = OutboxSender(store, [ConsoleNotifier(console)])
    report = await sender.deliver_pending()
    text = console.export_text()
    print(text)
    assert report.sent == len(store.events(launch.id))
    assert pending_count(store) == 0
    assert "Reflection-70B" in text
    assert "failed" in text
    assert "measured 61.2 (95% CI 58.1–64)" in text
    assert "[click](https://evil.example)" in text  # printed literally, not as markup
    assert "\r" not in text
    rows = db.outbox_rows(store, "console")
    assert {r.state for r in rows} == {"sent"}
    assert all(r.message_id for r in rows)
