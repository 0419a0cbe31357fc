"""A stand-in for the Hugging Face Inference Providers router on 127.0.0.1.

The router is OpenAI-compatible (`POST /v1/chat/completions`), wants the Hub token as
a bearer token and the model as `ORG/NAME:provider`. This is the benchmark stand-in
(hypewatch/standins/openai_bench.py) with those two requirements: a wrong token is a
401, another model id a 404, as the router answers.

    with serve_router(items, "org/model", "together", token="hf_x") as router:
        router.url + "/v1"     # [access] router_url
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager

from hypewatch.standins.http import Standin
from hypewatch.standins.openai_bench import Behaviour, serve_bench
from hypewatch.verifiers.benchmark.tasks import TaskItem


def router_behaviour(behaviour: Behaviour, repo: str, provider: str, token: str) -> Behaviour:
    """`behaviour` as served by `provider` through the router."""
    return dataclasses.replace(behaviour, model=f"{repo}:{provider}", api_key=token)


@contextmanager
def serve_router(
    items: list[TaskItem],
    repo: str,
    provider: str,
    *,
    token: str,
    behaviour: Behaviour | None = None,
) -> Iterator[Standin]:
    """The router serving `repo` through `provider` for the duration of the block."""
    served = router_behaviour(behaviour or Behaviour(), repo, provider, token)
    with serve_bench(items, served) as standin:
        yield standin
