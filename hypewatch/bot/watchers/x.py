"""X (Twitter) API v2 through tweepy: recent search and account timelines.

Cursors (source "x"), one stream per query or account:
  `search:<query>` / `user:<name>`   the `since_id` of the next pass
  `<stream>#resume`                  {"next_token", "newest_id"} while a pass
                                     stopped mid-pagination (max_pages, budget,
                                     an error); the next pass continues there
  `user_id:<name>`                   the resolved numeric id of an account

A stream's `since_id` moves to the first page's `meta.newest_id` only in the
transaction of its LAST page; earlier pages store a resume token instead, so
a crash re-reads at most one page and never skips one.

Reads are billed per post: `monthly_budget` is checked before each page and
the page is sized to what is left. A 429 waits for `x-rate-limit-reset`
once, if that is within `rate_limit_max_wait` seconds; otherwise the pass
stops and the source backs off until the reset. tweepy's own
`wait_on_rate_limit` is never used: it retries forever without a cap.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import requests
import tweepy

from hypewatch.bot.watchers.base import Batch, PollContext, SourceError, make_post
from hypewatch.bot.watchers.session import WatcherSession
from hypewatch.config import Settings, read_secret
from hypewatch.jsonlimits import JsonLimitError
from hypewatch.models import Post, Source
from hypewatch.net import NetConfig, NetError

#: The host tweepy hard-codes in `BaseClient.request()`.
X_API = "https://api.twitter.com"
RESUME = "#resume"
TWEET_FIELDS = [
    "created_at",
    "public_metrics",
    "entities",
    "author_id",
    "lang",
    "conversation_id",
    "referenced_tweets",
    "note_tweet",
]
USER_FIELDS = ["username", "name", "verified"]
#: A page below these sizes is refused by the API (search: 10, timelines: 5).
MIN_SEARCH_PAGE, MIN_TIMELINE_PAGE = 10, 5


def _parse_time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)).astimezone(UTC)
    except ValueError:
        return None


def _expand_links(text: str, entities: Mapping[str, Any]) -> tuple[str, list[str]]:
    """Replace t.co links with their `expanded_url` (or `unwound_url`); return the links."""
    links: list[str] = []
    for entity in entities.get("urls") or []:
        if not isinstance(entity, Mapping):
            continue
        short = str(entity.get("url") or "")
        full = str(entity.get("unwound_url") or entity.get("expanded_url") or short)
        if short and full != short:
            text = text.replace(short, full)
        if full and full not in links:
            links.append(full)
    return text, links


class XWatcher:
    """Recent search for `queries` and timelines of `accounts`, via an injected
    `tweepy.Client` built with `return_type=dict` (the raw v2 JSON is kept)."""

    source = str(Source.X)

    def __init__(
        self,
        client: tweepy.Client,
        *,
        queries: Sequence[str] = (),
        accounts: Sequence[str] = (),
        per_page: int = 100,
        max_pages: int = 5,
        monthly_budget: int = 10_000,
        rate_limit_max_wait: float = 900.0,
        max_text_chars: int = 100_000,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if client.return_type is not dict:
            raise TypeError("XWatcher needs a tweepy.Client(..., return_type=dict)")
        if client.wait_on_rate_limit:
            raise TypeError("XWatcher needs wait_on_rate_limit=False: it waits with a cap itself")
        self.client = client
        self.queries = list(queries)
        self.accounts = [a.lstrip("@") for a in accounts]
        self.per_page = per_page
        self.max_pages = max_pages
        self.monthly_budget: int | None = monthly_budget
        self.rate_limit_max_wait = rate_limit_max_wait
        self.max_text_chars = max_text_chars
        self.sleep = sleep

    def fetch(self, ctx: PollContext) -> Iterator[Batch]:
        for query in self.queries:
            yield from self._stream(
                ctx, f"search:{query}", self.client.search_recent_tweets, query, "next_token"
            )
        if not self.accounts:
            return
        ids = yield from self._user_ids(ctx)
        for name in self.accounts:
            if name.lower() in ids:
                yield from self._stream(
                    ctx,
                    f"user:{name.lower()}",
                    self.client.get_users_tweets,
                    ids[name.lower()],
                    "pagination_token",
                )

    # -- paging ----------------------------------------------------------------

    def _stream(
        self, ctx: PollContext, key: str, method: Callable[..., Any], arg: str, token_param: str
    ) -> Iterator[Batch]:
        since = ctx.cursor(key)
        resume = json.loads(ctx.cursor(key + RESUME) or "{}")
        token, newest = resume.get("next_token"), resume.get("newest_id")
        smallest = MIN_TIMELINE_PAGE if token_param.startswith("pagination") else MIN_SEARCH_PAGE
        assert self.monthly_budget is not None
        for _ in range(self.max_pages):
            left = self.monthly_budget - ctx.budget_used()
            if left < smallest:
                ctx.note(
                    f"monthly read budget reached ({self.monthly_budget - left} of "
                    f"{self.monthly_budget} used); {key} not read"
                )
                return
            params: dict[str, Any] = {
                "since_id": since,
                "max_results": min(self.per_page, left),
                token_param: token,
                "expansions": ["author_id"],
                "tweet_fields": TWEET_FIELDS,
                "user_fields": USER_FIELDS,
            }
            page = self._call(ctx, method, arg, **params)
            batch, token, newest = self._page(ctx, key, page, newest)
            yield batch
            if not token:
                return
        ctx.note(f"{key}: stopped after {self.max_pages} pages; the next pass continues")

    def _page(
        self, ctx: PollContext, key: str, page: Any, newest: str | None
    ) -> tuple[Batch, str | None, str | None]:
        if not isinstance(page, Mapping):
            raise SourceError("X API sent a reply that is not a JSON object", kind="malformed")
        data, meta = page.get("data") or [], page.get("meta") or {}
        if not isinstance(data, list) or not isinstance(meta, Mapping):
            raise SourceError("X API reply has no list of posts in 'data'", kind="malformed")
        users = {
            str(u.get("id")): u
            for u in (page.get("includes") or {}).get("users") or []
            if isinstance(u, Mapping)
        }
        newest = newest or (str(meta["newest_id"]) if meta.get("newest_id") else None)
        token = str(meta["next_token"]) if meta.get("next_token") else None
        now = ctx.clock()
        posts = [self._post(t, users, now) for t in data if isinstance(t, Mapping) and t.get("id")]
        if token:
            state = json.dumps({"next_token": token, "newest_id": newest})
            return Batch(posts, {key + RESUME: state}, (), reads=len(data)), token, newest
        cursors = {key: newest} if newest else {}
        return Batch(posts, cursors, (key + RESUME,), reads=len(data)), None, newest

    def _post(
        self, tweet: Mapping[str, Any], users: Mapping[str, Mapping[str, Any]], now: datetime
    ) -> Post:
        """The tweet as a post; `now` (the poll's time) dates a tweet the API sent undated."""
        note = tweet.get("note_tweet") if isinstance(tweet.get("note_tweet"), Mapping) else {}
        assert isinstance(note, Mapping)
        text = str(note.get("text") or tweet.get("text") or "")
        entities = note.get("entities") or tweet.get("entities") or {}
        text, links = _expand_links(text, entities if isinstance(entities, Mapping) else {})
        author_id = str(tweet.get("author_id") or "")
        user = users.get(author_id) or {}
        username = str(user.get("username") or "")
        tweet_id = str(tweet["id"])
        metrics = tweet.get("public_metrics")
        return make_post(
            self.source,
            tweet_id,
            text,
            limit=self.max_text_chars,
            author=username or author_id,
            url=f"https://x.com/{username or 'i'}/status/{tweet_id}",
            created_at=_parse_time(tweet.get("created_at")) or now,
            engagement=metrics if isinstance(metrics, Mapping) else {},
            raw={"tweet": dict(tweet), "author": dict(user), "links": links},
        )

    # -- accounts --------------------------------------------------------------

    def _user_ids(self, ctx: PollContext) -> Generator[Batch, None, dict[str, str]]:
        """Resolve account names to ids once (cached in cursors); returns name -> id."""
        ids = {n.lower(): ctx.cursor(f"user_id:{n.lower()}") for n in self.accounts}
        missing = [n for n in self.accounts if not ids[n.lower()]]
        found: dict[str, str] = {}
        for start in range(0, len(missing), 100):
            reply = self._call(ctx, self.client.get_users, usernames=missing[start : start + 100])
            for user in (reply.get("data") if isinstance(reply, Mapping) else None) or []:
                if isinstance(user, Mapping) and user.get("id") and user.get("username"):
                    found[str(user["username"]).lower()] = str(user["id"])
        unknown = [n for n in missing if n.lower() not in found]
        if unknown:
            ctx.note(f"X accounts not found: {', '.join(unknown)}")
        if found:
            yield Batch(cursors={f"user_id:{name}": uid for name, uid in found.items()})
        resolved = {name: uid for name, uid in ids.items() if uid}
        resolved.update(found)
        return resolved

    # -- one request, with the rate-limit policy -------------------------------

    def _call(self, ctx: PollContext, method: Callable[..., Any], *args: Any, **params: Any) -> Any:
        """One request; a 429 waits (`sleep`) for the reset once if it is near, by the
        poll's clock (`ctx.clock`), else ends the pass with a `rate_limited` SourceError."""
        waited = False
        while True:
            try:
                return method(*args, **params)
            except tweepy.TooManyRequests as error:
                now = ctx.clock().timestamp()
                reset = float(error.reset_time or now + 60)
                wait = reset - now
                retry_at = datetime.fromtimestamp(reset, UTC)
                if waited or wait > self.rate_limit_max_wait:
                    raise SourceError(
                        f"X rate limit reached; it resets at {retry_at:%H:%M:%S} UTC",
                        kind="rate_limited",
                        retry_at=retry_at,
                    ) from None
                self.sleep(max(1.0, wait))
                waited = True
            except Exception as error:
                raise _classify(error) from None


def _classify(error: Exception) -> SourceError:
    if isinstance(error, SourceError):
        return error
    if isinstance(error, tweepy.TwitterServerError):
        return SourceError(f"X API server error: {error}", kind="server")
    if isinstance(error, tweepy.Unauthorized | tweepy.Forbidden):
        return SourceError(
            f"X API refused the bearer token ({error}); check sources.x.bearer_token_env",
            kind="auth",
        )
    if isinstance(error, tweepy.HTTPException):
        return SourceError(f"X API rejected the request: {error}", kind="client")
    if isinstance(error, requests.Timeout):
        return SourceError(f"X API did not answer in time: {error}", kind="timeout")
    if isinstance(error, requests.JSONDecodeError | ValueError | JsonLimitError):
        return SourceError(f"X API sent malformed JSON: {error}", kind="malformed")
    if isinstance(error, requests.RequestException | NetError):
        return SourceError(f"cannot reach the X API: {error}", kind="network")
    return SourceError(f"X watcher failed: {type(error).__name__}: {error}", kind="unexpected")


def build_x_watcher(
    settings: Settings,
    *,
    allow_private: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> XWatcher:
    """An XWatcher with a real tweepy client from settings and $bearer_token_env."""
    x = settings.sources.x
    token = read_secret(x.bearer_token_env, "sources.x.bearer_token_env")
    # tweepy logs request headers (the bearer token) at DEBUG: never let that through.
    logging.getLogger("tweepy").setLevel(max(logging.INFO, logging.getLogger("tweepy").level))
    client = tweepy.Client(bearer_token=token.reveal(), return_type=dict, wait_on_rate_limit=False)
    net = NetConfig.from_settings(settings.network, allow_private=allow_private)
    api = x.api_url.rstrip("/")
    client.session = WatcherSession(net, rewrite=None if api == X_API else (X_API, api))
    return XWatcher(
        client,
        queries=x.queries,
        accounts=x.accounts,
        per_page=x.max_results_per_page,
        max_pages=x.max_pages,
        monthly_budget=x.monthly_read_budget,
        rate_limit_max_wait=x.rate_limit_max_wait_seconds,
        max_text_chars=settings.extraction.max_text_chars,
        sleep=sleep,
    )
