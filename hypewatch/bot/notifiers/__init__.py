"""Where status threads and digests go: Discord, Slack, email, console."""
