"""The ledger's pages as bytes: one router shared by the server and the static export.

`render(store, path, query, want_json)` answers a site path (`index.html`,
`launches/KEY.html`, `.json`, `.svg`, `.atom`, `feed.atom`,
`static/style.css`) with a `Page` (status, content type, body). Links are
relative (`root` is `""` or `"../"`), so the same bytes work served at `/`
and as files in any folder. Jinja2 autoescapes every template (HTML and the
Atom XML alike); no page has a script, and the Content-Security-Policy says
so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any

import jinja2

from hypewatch.bot.chart import svg_chart
from hypewatch.bot.threads import clean_line
from hypewatch.models import Launch, utcnow
from hypewatch.storage import NotFoundError, Store
from hypewatch.web import ledger

#: No scripts, no inline styles, nothing from elsewhere; images and CSS from this site only.
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# A <meta> policy cannot carry frame-ancestors (browsers ignore it there).
_META_CSP = CSP.replace("; frame-ancestors 'none'", "")

HTML = "text/html; charset=utf-8"
JSON_TYPE = "application/json"
ATOM = "application/atom+xml; charset=utf-8"
SVG = "image/svg+xml"
CSS = "text/css; charset=utf-8"


@dataclass(frozen=True)
class Page:
    status: int
    content_type: str
    body: bytes


def _short_json(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 300 else text[:299] + "…"


_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("hypewatch.web", "templates"),
    autoescape=True,  # every template: HTML and Atom XML
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENV.filters["tojson_short"] = _short_json


def _json(data: Any, status: int = 200) -> Page:
    body = json.dumps(data, ensure_ascii=False, indent=1, default=str).encode()
    return Page(status, JSON_TYPE, body)


def _html(template: str, status: int = 200, **context: Any) -> Page:
    body = _ENV.get_template(template).render(csp=_META_CSP, **context)
    return Page(status, HTML, body.encode())


def error_page(status: int, message: str, *, want_json: bool, root: str = "") -> Page:
    if want_json:
        return _json({"error": message, "status": status}, status)
    return _html("error.html.j2", status, message=message, root=root, self_json="")


def css() -> bytes:
    return resources.files("hypewatch.web").joinpath("static/style.css").read_bytes()


def _feed(store: Store, launch: Launch | None, root: str) -> Page:
    entries = ledger.status_feed(store, launch)
    updated: datetime = entries[0].at if entries else (launch.first_seen if launch else utcnow())
    if launch is None:
        feed_id, title, html_href = (
            "tag:hypewatch.local,2024:ledger",
            "hypewatch ledger: status changes",
            f"{root}index.html",
        )
    else:
        key = ledger.launch_key(launch)
        feed_id = f"tag:hypewatch.local,2024:launch-{launch.id}"
        title = f"{clean_line(launch.name, 120)}: status changes"
        html_href = f"{root}launches/{key}.html"
    body = _ENV.get_template("feed.atom.j2").render(
        feed_id=feed_id, title=title, updated=updated.isoformat(), html_href=html_href,
        entries=entries, root=root,
    )  # fmt: skip
    return Page(200, ATOM, body.encode())


def render(
    store: Store, path: str, query: dict[str, str] | None = None, *, want_json: bool = False,
    static: bool = False,
) -> Page:  # fmt: skip
    """The page at `path` (relative, no leading slash). `want_json` serves a page's JSON
    twin (the `Accept: application/json` header); `static` drops the filter form."""
    query = query or {}
    path = path.strip("/") or "index.html"
    if path == "static/style.css":
        return Page(200, CSS, css())
    if path in ("index.html", "index.json", "index"):
        want_json = want_json or path == "index.json"
        try:
            filters = ledger.Filters.parse(query)
        except ValueError as error:
            return error_page(400, str(error), want_json=want_json)
        data = ledger.launch_list(store, filters, page_size=None if static else ledger.PAGE_SIZE)
        if want_json:
            return _json(data.to_json())
        query_string = filters.query()
        self_json = "index.json" + (f"?{query_string}" if query_string else "")
        return _html("index.html.j2", data=data, badges=ledger.BADGES, root="", static=static,
                     self_json=self_json)  # fmt: skip
    if path == "feed.atom":
        return _feed(store, None, "")
    head, _, name = path.partition("/")
    if head != "launches" or not name or "/" in name:
        return error_page(404, f"no page {path[:80]!r}; the ledger starts at index.html",
                          want_json=want_json)  # fmt: skip
    key, dot, suffix = name.rpartition(".")
    if not dot:
        key, suffix = name, "html"
    try:
        launch = ledger.find_by_key(store, key)
    except NotFoundError as error:
        return error_page(404, str(error), want_json=want_json, root="../")
    if suffix == "atom":
        return _feed(store, launch, "../")
    page = ledger.launch_page(store, launch)
    if suffix == "svg":
        return Page(200, SVG, svg_chart(page.chart))
    if suffix == "json" or (suffix == "html" and want_json):
        return _json(page.to_json())
    if suffix != "html":
        return error_page(404, f"no page {path[:80]!r}", want_json=want_json, root="../")
    return _html("launch.html.j2", page=page, root="../", self_json=f"{page.summary.key}.json")
