"""Stand-in Hugging Face Hub for dataset repos: dataset info and parquet file downloads.

Routes (what huggingface_hub 2.x asks for):
  GET  /api/datasets/{owner}/{name}[/revision/{rev}]   -> {id, sha, siblings: [{rfilename}]}
  HEAD /datasets/{owner}/{name}/resolve/{rev}/{path}   -> X-Repo-Commit, ETag, Content-Length
  GET  same                                            -> the bytes
State: `repos` = {repo: {"sha": str, "files": {path: bytes}}}; a revision is served when
it is the sha, "main" or one of the repo's optional `refs` (e.g. "refs/convert/parquet",
the branch where the Hub keeps its parquet conversion). Unknown repo or revision -> 404
with X-Error-Code. A repo with `"gated": True` lists its files to anyone (as the Hub
does) but serves them only to a bearer token in its `tokens`: no token -> 401, another
token -> 403, both with `X-Error-Code: GatedRepo`.
"""

from __future__ import annotations

import hashlib
import io
from typing import Any
from urllib.parse import unquote, urlsplit

from hypewatch.standins.http import StandinHandler


def parquet_bytes(rows: list[dict[str, Any]]) -> bytes:
    """A small parquet file holding `rows` (built with pyarrow)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    sink = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows), sink)
    return sink.getvalue()


class DatasetRoutes(StandinHandler):
    """The dataset routes, for this stand-in and for the model Hub stand-in (`hub.py`),
    which serves both. Dataset state is `state["datasets"]`, else `state["repos"]`."""

    def _datasets(self) -> dict[str, Any]:
        key = "datasets" if "datasets" in self.state else "repos"
        found: dict[str, Any] = self.state[key]
        return found

    def _ds_repo(self, repo: str, revision: str) -> dict[str, Any] | None:
        found: dict[str, Any] | None = self._datasets().get(repo)
        if found is None or revision not in (found["sha"], "main", *found.get("refs", ())):
            return None
        return found

    def _ds_granted(self, repo: dict[str, Any]) -> bool:
        auth = self.headers.get("Authorization") or ""
        return auth.removeprefix("Bearer ") in repo.get("tokens", ())

    def _ds_not_found(self, code: str) -> None:
        self.send_json(404, {"error": code}, {"X-Error-Code": code})

    def dataset_get(self) -> bool:
        """Answer a dataset GET/HEAD; False when the path is not a dataset route."""
        path = urlsplit(self.path).path
        if path.startswith("/api/datasets/"):
            self._ds_info(path.removeprefix("/api/datasets/"))
        elif path.startswith("/datasets/"):
            self._ds_file(path.removeprefix("/datasets/"))
        else:
            return False
        return True

    def _ds_info(self, rest: str) -> None:
        repo, _, revision = rest.partition("/revision/")
        found = self._ds_repo(unquote(repo), unquote(revision) or "main")
        if found is None:
            self._ds_not_found("RevisionNotFound")
            return
        self.send_json(
            200,
            {
                "id": unquote(repo),
                "sha": found["sha"],
                "private": False,
                "gated": "auto" if found.get("gated") else False,
                "siblings": [{"rfilename": name} for name in sorted(found["files"])],
            },
        )

    def _ds_file(self, rest: str) -> None:
        owner, name, marker, revision, *parts = rest.split("/")
        found = self._ds_repo(f"{owner}/{name}", unquote(revision)) if marker == "resolve" else None
        data = None if found is None else found["files"].get(unquote("/".join(parts)))
        if found is None or data is None:
            self._ds_not_found("EntryNotFound")
            return
        if found.get("gated") and not self._ds_granted(found):
            status = 403 if self.headers.get("Authorization") else 401
            message = f"Access to dataset {owner}/{name} is restricted. You must have access."
            self.send_json(
                status,
                {"error": message},
                {"X-Error-Code": "GatedRepo", "X-Error-Message": message},
            )
            return
        headers = {"X-Repo-Commit": found["sha"], "ETag": f'"{hashlib.sha256(data).hexdigest()}"'}
        self.send_bytes(200, data, headers=headers)


class HubDatasetsHandler(DatasetRoutes):
    def do_GET(self) -> None:
        self.read_body()
        if not self.dataset_get():
            self._ds_not_found("RepoNotFound")

    def do_HEAD(self) -> None:
        self.do_GET()
