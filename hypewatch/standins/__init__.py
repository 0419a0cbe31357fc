"""Stand-in services on 127.0.0.1 that speak the real wire formats.

X API v2, Reddit, the Hugging Face Hub (listing, cards, revisions, datasets,
HTTP Range, the Inference Providers router) and OpenAI-compatible chat
completions: what `hypewatch demo` replays a launch against, shipped in the
package so the demo runs from an installed copy. The tests drive hypewatch's
real clients against them too. Stand-ins only the tests and benchmarks need
(Discord, Slack, SMTP, the asyncio benchmark server, the generated Hub day,
tokenizer and reference-file fixtures) live in tests/support/ and are not
installed. Never exposed beyond 127.0.0.1.
"""
