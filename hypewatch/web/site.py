"""`hypewatch site OUT_DIR`: the ledger as static files with relative links.

The same `render.render` the server uses writes every page: index.html and
index.json, feed.atom, static/style.css, and per launch
launches/KEY.html, .json, .svg (its chart) and .atom. The index lists every
launch on one page (a static host has no query strings, so no filter form).
"""

from __future__ import annotations

from pathlib import Path

from hypewatch.storage import Store
from hypewatch.web import ledger
from hypewatch.web.render import render


def export_site(store: Store, out_dir: Path) -> int:
    """Write the site under `out_dir`; returns how many files were written."""
    paths = ["index.html", "index.json", "feed.atom", "static/style.css"]
    for launch in store.launches():
        key = ledger.launch_key(launch)
        paths += [f"launches/{key}.{suffix}" for suffix in ("html", "json", "atom")]
        if ledger.launch_page(store, launch).chart:
            paths.append(f"launches/{key}.svg")
    for path in paths:
        page = render(store, path, static=True)
        target = out_dir / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(page.body)
    return len(paths)
