"""Reddit through praw (read-only): new submissions of configured subreddits.

One cursor per subreddit (source "reddit", key = lower-case subreddit name):
`{"created_utc": float, "name": "t3_..."}` of the newest submission stored.
A pass reads `/r/<sub>/new` newest-first until it meets the cursor (so a
pass with nothing new costs one request per subreddit), then stores what it
found OLDEST first in batches; each batch moves the cursor to its own newest
post in the same transaction, so the cursor never passes an unstored post.

For submissions that look like launch claims, the top comments are read too
(`top_comments`) and kept in `Post.raw["top_comments"]`; a failure to read
them is noted on the post, not fatal. Deleted/removed submissions keep their
title (often the claim) and say why the body is missing in `raw["removed"]`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta

import praw
import prawcore
import requests
from praw.models import Comment, Submission

from hypewatch.bot.watchers.base import Batch, PollContext, SourceError, make_post
from hypewatch.bot.watchers.session import WatcherSession
from hypewatch.config import Settings, read_secret
from hypewatch.jsonlimits import JsonLimitError
from hypewatch.models import JSON, Post, Source
from hypewatch.net import NetConfig, NetError, retry_after_seconds

BATCH_SIZE = 100
_GONE = frozenset({"[deleted]", "[removed]"})
#: Cheap pre-filter for "looks like a launch claim" (the extractor decides for real).
CLAIM_HINT = re.compile(
    r"\b(introduc\w*|releas\w*|launch\w*|open[- ]?(?:weights?|source[ds]?)|"
    r"benchmark\w*|mmlu|gpqa|humaneval|gsm8k|math|ifeval|sota|state[- ]of[- ]the[- ]art|"
    r"beats?|outperform\w*|\d+(?:\.\d+)?\s?b)\b",
    re.IGNORECASE,
)
_SCALARS = (str, int, float, bool, type(None))


def _position(created: float, fullname: str) -> tuple[float, int]:
    """Order of submissions: creation time, then the base-36 id of the fullname."""
    try:
        return created, int(fullname.split("_", 1)[-1], 36)
    except ValueError:
        return created, 0


class RedditWatcher:
    """New submissions of `subreddits` via an injected, read-only `praw.Reddit`."""

    source = str(Source.REDDIT)
    monthly_budget: int | None = None

    def __init__(
        self,
        reddit: praw.Reddit,
        *,
        subreddits: Sequence[str],
        limit: int = 100,
        top_comments: int = 5,
        max_text_chars: int = 100_000,
    ) -> None:
        self.reddit = reddit
        self.subreddits = list(subreddits)
        self.limit = limit
        self.top_comments = top_comments
        self.max_text_chars = max_text_chars

    def fetch(self, ctx: PollContext) -> Iterator[Batch]:
        for name in self.subreddits:
            try:
                yield from self._subreddit(ctx, name)
            except SourceError:
                raise
            except Exception as error:
                raise _classify(error, name, ctx.clock()) from None

    def _subreddit(self, ctx: PollContext, name: str) -> Iterator[Batch]:
        key = name.lower()
        saved = json.loads(ctx.cursor(key) or "{}")
        seen = _position(float(saved.get("created_utc", 0.0)), str(saved.get("name", "")))
        fresh: list[Submission] = []
        for submission in self.reddit.subreddit(name).new(limit=self.limit):
            if _position(float(submission.created_utc), submission.name) <= seen:
                break
            fresh.append(submission)
        fresh.reverse()
        for start in range(0, len(fresh), BATCH_SIZE):
            chunk = fresh[start : start + BATCH_SIZE]
            last = chunk[-1]
            cursor = json.dumps({"created_utc": float(last.created_utc), "name": last.name})
            yield Batch([self._post(s) for s in chunk], {key: cursor})

    def _post(self, submission: Submission) -> Post:
        data = {
            k: v
            for k, v in vars(submission).items()
            if not k.startswith(("_", "comment_")) and isinstance(v, _SCALARS)
        }
        author = submission.author.name if submission.author is not None else "[deleted]"
        subreddit = str(submission.subreddit.display_name)
        title = str(submission.title or "")
        body = str(submission.selftext or "")
        removed = str(data.get("removed_by_category") or (body if body in _GONE else ""))
        parts = [title] if removed else [title, body]
        if not submission.is_self and submission.url:
            parts.append(str(submission.url))
        raw: JSON = {**data, "author": author, "subreddit": subreddit}
        if removed:
            raw["removed"] = removed
        if self.top_comments and not removed and CLAIM_HINT.search(f"{title}\n{body}"):
            raw.update(self._comments(submission))
        return make_post(
            self.source,
            submission.name,
            "\n\n".join(p for p in parts if p),
            limit=self.max_text_chars,
            author=author,
            url=f"https://www.reddit.com{submission.permalink}",
            created_at=datetime.fromtimestamp(float(submission.created_utc), UTC),
            engagement={
                "score": submission.score,
                "num_comments": submission.num_comments,
                "upvote_ratio": data.get("upvote_ratio") or 0.0,
            },
            raw=raw,
        )

    def _comments(self, submission: Submission) -> JSON:
        submission.comment_sort = "top"
        submission.comment_limit = self.top_comments
        try:
            forest = submission.comments
            picked = [forest[i] for i in range(min(len(forest), self.top_comments))]
            comments = [c for c in picked if isinstance(c, Comment)]
        except Exception as error:
            return {"top_comments_error": f"{type(error).__name__}: {error}"}
        return {
            "top_comments": [
                {
                    "id": c.id,
                    "author": c.author.name if c.author is not None else "[deleted]",
                    "body": c.body,
                    "score": c.score,
                }
                for c in comments
            ]
        }


def _classify(error: Exception, subreddit: str, now: datetime) -> SourceError:
    """`error` as a SourceError; `now` (the poll's clock) dates a rate limit's end."""
    where = f"reddit r/{subreddit}"
    if isinstance(error, prawcore.TooManyRequests):
        wait = retry_after_seconds(error.response.headers.get("retry-after"))
        retry_at = None if wait is None else now + timedelta(seconds=min(wait, 3600.0))
        return SourceError(f"{where}: rate limited", kind="rate_limited", retry_at=retry_at)
    if isinstance(error, prawcore.ServerError):
        return SourceError(f"{where}: server error {error}", kind="server")
    if isinstance(error, prawcore.OAuthException | prawcore.ResponseException) and getattr(
        getattr(error, "response", None), "status_code", 0
    ) in (401, 403):
        return SourceError(
            f"{where}: credentials refused ({error}); check sources.reddit.client_id_env",
            kind="auth",
        )
    if isinstance(error, prawcore.OAuthException):
        return SourceError(f"{where}: OAuth failed: {error}", kind="auth")
    if isinstance(error, prawcore.BadJSON | ValueError):
        return SourceError(f"{where}: malformed JSON: {error}", kind="malformed")
    if isinstance(error, prawcore.RequestException):
        original = error.original_exception
        if isinstance(original, JsonLimitError):  # the session's check (hypewatch.jsonlimits)
            return SourceError(f"{where}: malformed JSON: {original}", kind="malformed")
        kind = "timeout" if isinstance(original, requests.Timeout) else "network"
        return SourceError(f"{where}: request failed: {original}", kind=kind)
    if isinstance(error, prawcore.PrawcoreException):
        return SourceError(f"{where}: {type(error).__name__}: {error}", kind="client")
    if isinstance(error, NetError):
        return SourceError(f"{where}: {error}", kind="network")
    return SourceError(f"{where}: {type(error).__name__}: {error}", kind="unexpected")


def reddit_client(
    *,
    client_id: str,
    client_secret: str,
    user_agent: str,
    net: NetConfig,
    oauth_url: str = "https://oauth.reddit.com",
    reddit_url: str = "https://www.reddit.com",
) -> praw.Reddit:
    """A read-only praw client (client-credentials grant) over a guarded session."""
    session = WatcherSession(net)
    return praw.Reddit(
        client_id=client_id,
        client_secret=client_secret,
        user_agent=user_agent,
        oauth_url=oauth_url.rstrip("/"),
        reddit_url=reddit_url.rstrip("/"),
        check_for_updates=False,
        requestor_kwargs={"session": session, "timeout": net.read_timeout},
    )


def build_reddit_watcher(settings: Settings, *, allow_private: bool = False) -> RedditWatcher:
    """A RedditWatcher with a real praw client from settings and the credential env vars."""
    r = settings.sources.reddit
    client_id = read_secret(r.client_id_env, "sources.reddit.client_id_env")
    secret = read_secret(r.client_secret_env, "sources.reddit.client_secret_env")
    net = NetConfig.from_settings(settings.network, allow_private=allow_private)
    reddit = reddit_client(
        client_id=client_id.reveal(),
        client_secret=secret.reveal(),
        user_agent=r.user_agent,
        net=net,
        oauth_url=r.oauth_url,
        reddit_url=r.reddit_url,
    )
    return RedditWatcher(
        reddit,
        subreddits=r.subreddits,
        limit=r.limit,
        top_comments=r.top_comments,
        max_text_chars=settings.extraction.max_text_chars,
    )
