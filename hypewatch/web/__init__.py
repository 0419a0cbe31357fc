"""The claims ledger: a read-only, server-rendered site (and its static export).

`ledger` reads the pages' data from the store, `render` turns it into HTML,
JSON, Atom and SVG (Jinja2 with autoescaping), `server` serves it with
aiohttp (GET/HEAD only, strict Content-Security-Policy), `site` writes it
as static files. docs/web.md describes the routes.
"""
