"""Stand-in services on 127.0.0.1 that speak the real wire formats.

X API v2, Reddit, the Hugging Face Hub (listing, cards, revisions, HTTP
Range), OpenAI-compatible chat completions, Discord, Slack and SMTP. The
tests drive hypewatch's real clients against them, and `hypewatch demo`
replays a launch against them; they are shipped in the package so the demo
runs from an installed copy. Never exposed beyond 127.0.0.1.
"""
