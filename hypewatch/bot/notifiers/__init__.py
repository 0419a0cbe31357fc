"""Where status threads and digests go: Discord, Slack, email, console.

The daemon calls `build_notifiers(settings, store)` and `start_delivery(...)`
(see `hypewatch.bot.notifiers.factory`).
"""
