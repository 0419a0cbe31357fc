"""Reference tokenizers: what each candidate model family would count and split.

A reference is named by a label (a model family such as `llama-3.1`) and a spec:

- a local `tokenizer.json` (HF `tokenizers`), or a directory holding one;
- a Hub repo id (`org/name`), whose `tokenizer.json` is fetched once with
  huggingface_hub (from the configured Hub endpoint) and cached;
- `tiktoken:<encoding>` — only when tiktoken has the encoding's BPE file
  cached already: tiktoken downloads it with its own HTTP client, outside our
  guard, so hypewatch never lets it fetch.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tokenizers import Tokenizer

from hypewatch.verifiers.fingerprint.codecs import Codec, char_spans

TIKTOKEN_PREFIX = "tiktoken:"
_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
_LABEL = re.compile(r"^[\w.:+-]{1,64}$")
_TIKTOKEN_BLOBS = {
    "r50k_base": "https://openaipublic.blob.core.windows.net/encodings/r50k_base.tiktoken",
    "p50k_base": "https://openaipublic.blob.core.windows.net/encodings/p50k_base.tiktoken",
    "p50k_edit": "https://openaipublic.blob.core.windows.net/encodings/p50k_base.tiktoken",
    "cl100k_base": "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
    "o200k_base": "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
    "o200k_harmony": "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
}

#: (repo_id, filename) -> local path; replaced in tests by a stand-in Hub download.
HubDownload = Callable[[str], str]


class ReferenceLoadError(Exception):
    """A reference tokenizer cannot be loaded; the message says what to do."""


@dataclass(frozen=True)
class Reference:
    """One candidate tokenizer: counts tokens and reports where it splits a text.

    `name` is the family group it stands for ("Llama 3.x"), `note` a caveat said
    with every match ("approximate"). A reference made from enrolled usage counts
    knows only the texts it was enrolled with (`known`) and has no spans.
    """

    label: str
    source: str
    _count: Callable[[str], int]
    _spans: Callable[[str], list[tuple[int, int]]] | None = None
    name: str = ""
    note: str = ""
    known: frozenset[str] | None = None
    default_group: bool = False  # one of the shipped default groups (each a distinct tokenizer)

    def count(self, text: str) -> int:
        return self._count(text)

    def knows(self, text: str) -> bool:
        return self.known is None or text in self.known

    @property
    def has_spans(self) -> bool:
        return self._spans is not None

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Character (start, end) of each token of `text` (empty when it cannot tell)."""
        return self._spans(text) if self._spans is not None else []

    def describe(self) -> str:
        """`label` with its group name and caveat, for evidence text."""
        extra = ", ".join(x for x in (self.name, self.note) if x and x != self.label)
        return f"{self.label} ({extra})" if extra else self.label


def check_label(label: str) -> str:
    if not _LABEL.match(label):
        raise ReferenceLoadError(
            f"reference label {label!r} is not usable: use 1-64 letters, digits, '.', '-', '_'"
        )
    return label


def reference_from_codec(
    label: str, codec: Codec, source: str, *, name: str = "", note: str = ""
) -> Reference:
    """A reference counting and splitting with a packaged tokenizer (see codecs.py)."""

    def count(text: str) -> int:
        return len(codec.encode(text))

    def spans(text: str) -> list[tuple[int, int]]:
        return char_spans(text, codec.token_bytes(codec.encode(text)))

    return Reference(check_label(label), source, count, spans, name=name, note=note)


def from_hf_tokenizer(label: str, tokenizer: Tokenizer, source: str) -> Reference:
    def count(text: str) -> int:
        return len(tokenizer.encode(text, add_special_tokens=False).ids)

    def spans(text: str) -> list[tuple[int, int]]:
        return [tuple(o) for o in tokenizer.encode(text, add_special_tokens=False).offsets]  # type: ignore[misc]

    return Reference(check_label(label), source, count, spans)


def load_tokenizer_json(label: str, path: Path) -> Reference:
    if path.is_dir():
        path = path / "tokenizer.json"
    if not path.is_file():
        raise ReferenceLoadError(f"reference {label}: {path} does not exist")
    try:
        tokenizer = Tokenizer.from_file(str(path))
    except Exception as error:  # tokenizers raises a bare Exception on a bad file
        raise ReferenceLoadError(
            f"reference {label}: {path} is not a valid HF tokenizer.json ({error}); "
            "pass the tokenizer.json saved by the `tokenizers` library"
        ) from None
    return from_hf_tokenizer(label, tokenizer, str(path))


def _tiktoken_cache_dir() -> str:
    for env in ("TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR"):
        if env in os.environ:
            return os.environ[env]
    return os.path.join(tempfile.gettempdir(), "data-gym-cache")


def tiktoken_cached(encoding: str) -> bool:
    """True when tiktoken can build `encoding` without downloading anything."""
    import tiktoken.registry

    if encoding in tiktoken.registry.ENCODINGS:
        return True
    blob = _TIKTOKEN_BLOBS.get(encoding)
    if blob is None:
        return False
    key = hashlib.sha1(blob.encode(), usedforsecurity=False).hexdigest()  # tiktoken's own cache key
    cache_dir = _tiktoken_cache_dir()
    return bool(cache_dir) and os.path.exists(os.path.join(cache_dir, key))


def load_tiktoken(label: str, encoding: str) -> Reference:
    import tiktoken

    if encoding not in _TIKTOKEN_BLOBS:
        raise ReferenceLoadError(
            f"reference {label}: unknown tiktoken encoding {encoding!r}; "
            f"known: {', '.join(sorted(_TIKTOKEN_BLOBS))}"
        )
    if not tiktoken_cached(encoding):
        raise ReferenceLoadError(
            f"reference {label}: tiktoken encoding {encoding} is not cached here and hypewatch "
            'does not let tiktoken download it; run `python -c "import tiktoken; '
            f"tiktoken.get_encoding('{encoding}')\"` once where that is allowed (set "
            "TIKTOKEN_CACHE_DIR to keep the file), or use a tokenizer.json instead"
        )
    enc = tiktoken.get_encoding(encoding)

    def count(text: str) -> int:
        return len(enc.encode(text, disallowed_special=()))

    def spans(text: str) -> list[tuple[int, int]]:
        tokens = enc.encode(text, disallowed_special=())
        _decoded, starts = enc.decode_with_offsets(tokens)
        ends = [*starts[1:], len(text)]
        return list(zip(starts, ends, strict=True))

    return Reference(check_label(label), f"{TIKTOKEN_PREFIX}{encoding}", count, spans)


def hub_cache_lookup(cache_dir: Path | None = None) -> Callable[[str, str], str | None]:
    """(repo, revision) -> the cached tokenizer.json, or None; never sends a request."""

    def lookup(repo_id: str, revision: str) -> str | None:
        from huggingface_hub import try_to_load_from_cache

        found = try_to_load_from_cache(
            repo_id,
            "tokenizer.json",
            cache_dir=str(cache_dir) if cache_dir else None,
            revision=revision,
        )
        return found if isinstance(found, str) else None

    return lookup


def hub_fetcher(
    endpoint: str, token: str | None = None, cache_dir: Path | None = None
) -> Callable[[str, str], str]:
    """(repo, revision) -> tokenizer.json fetched with huggingface_hub from `endpoint`.

    huggingface_hub caches it: later lookups (`hub_cache_lookup`) need no request.
    """

    def fetch(repo_id: str, revision: str) -> str:
        from huggingface_hub import hf_hub_download

        return str(
            hf_hub_download(
                repo_id,
                "tokenizer.json",
                revision=revision,
                endpoint=endpoint,
                token=token or False,
                cache_dir=str(cache_dir) if cache_dir else None,
            )
        )

    return fetch


def hub_downloader(endpoint: str, cache_dir: Path | None = None) -> HubDownload:
    """Fetch `tokenizer.json` of a repo once through huggingface_hub (cached after that)."""
    cached, fetch = hub_cache_lookup(cache_dir), hub_fetcher(endpoint, cache_dir=cache_dir)

    def download(repo_id: str) -> str:
        return cached(repo_id, "main") or fetch(repo_id, "main")

    return download


def load_reference(label: str, spec: str, hub: HubDownload | None = None) -> Reference:
    """Load the reference `spec` (path, `tiktoken:<encoding>` or Hub repo id) as `label`."""
    check_label(label)
    spec = spec.strip()
    if spec.startswith(TIKTOKEN_PREFIX):
        return load_tiktoken(label, spec[len(TIKTOKEN_PREFIX) :])
    path = Path(spec).expanduser()
    if path.exists() or spec.endswith(".json") or spec.startswith((".", "/", "~")):
        return load_tokenizer_json(label, path)
    if _REPO_ID.match(spec) and hub is not None:
        try:
            local = hub(spec)
        except Exception as error:  # huggingface_hub raises many kinds; say which repo failed
            raise ReferenceLoadError(
                f"reference {label}: cannot fetch tokenizer.json of Hub repo {spec}: "
                f"{type(error).__name__}: {str(error)[:300]}"
            ) from None
        loaded = load_tokenizer_json(label, Path(local))
        return replace(loaded, source=f"hub:{spec}")
    raise ReferenceLoadError(
        f"reference {label}: {spec!r} is neither an existing tokenizer.json, a Hub repo id "
        "(org/name) nor tiktoken:<encoding>"
    )


def parse_reference_option(value: str) -> tuple[str, str]:
    """`LABEL=TOKENIZER_JSON` from the command line."""
    label, sep, spec = value.partition("=")
    if not sep or not label.strip() or not spec.strip():
        raise ReferenceLoadError(
            f"--reference {value!r} must look like LABEL=PATH/TO/tokenizer.json "
            "(or LABEL=org/repo, LABEL=tiktoken:cl100k_base)"
        )
    return check_label(label.strip()), spec.strip()


@dataclass
class LoadedReferences:
    references: list[Reference]
    skipped: dict[str, str]


def load_references(
    specs: Mapping[str, str] | Iterable[tuple[str, str]],
    hub: HubDownload | None = None,
    *,
    strict: bool = False,
) -> LoadedReferences:
    """Load many references; with `strict=False` a broken one is skipped with its reason."""
    items: Iterable[Any] = specs.items() if isinstance(specs, Mapping) else specs
    loaded: dict[str, Reference] = {}
    skipped: dict[str, str] = {}
    for label, spec in items:
        try:
            loaded[label] = load_reference(label, spec, hub)
        except ReferenceLoadError as error:
            if strict:
                raise
            skipped[label] = str(error)
    return LoadedReferences(list(loaded.values()), skipped)
