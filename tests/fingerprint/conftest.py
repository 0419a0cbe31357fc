from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from tokenizers import Tokenizer

from hypewatch.net import NetConfig
from hypewatch.standins.http import Standin, serve
from hypewatch.standins.openai_fp import Backend, OpenAIFingerprintHandler, Persona
from hypewatch.verifiers.fingerprint.references import Reference, load_reference
from tests.support.trained_tokenizers import train_all


@pytest.fixture(scope="session")
def tokenizer_paths(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Four different tokenizers (two byte-level BPEs, WordPiece, Unigram), trained once."""
    return train_all(tmp_path_factory.mktemp("tokenizers"))


@pytest.fixture(scope="session")
def tokenizers(tokenizer_paths: dict[str, Path]) -> dict[str, Tokenizer]:
    return {label: Tokenizer.from_file(str(p)) for label, p in tokenizer_paths.items()}


@pytest.fixture(scope="session")
def refs(tokenizer_paths: dict[str, Path]) -> list[Reference]:
    return [load_reference(label, str(p)) for label, p in tokenizer_paths.items()]


@pytest.fixture(autouse=True)
def hub_offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No fingerprint test reaches the real Hub.

    Default references that no package ships are fetched from `hub.endpoint`
    (huggingface.co in the default configuration): huggingface_hub's offline mode
    refuses every such request, and its cache is empty and private to the test.
    Tests of fetching switch offline mode off and point the Hub at a stand-in.
    """
    import huggingface_hub.constants

    cache = tmp_path / "hf-cache"
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(cache))
    return cache


@pytest.fixture
def net() -> NetConfig:
    """Reach 127.0.0.1 stand-ins; short timeouts, no slow retries."""
    return NetConfig(
        allow_private=True,
        retries=0,
        connect_timeout=1.0,
        read_timeout=1.0,
        total_timeout=3.0,
        backoff_base=0.01,
    )


CLAUDE_LIKE = Persona(
    identity="I am Claude, an AI assistant made by Anthropic.",
    answers={
        "Write a four-line poem about the ocean.": (
            "Waves fold silver under a patient moon,\nsalt wind hums an ancient tune,\n"
            "the tide keeps time with the turning shore,\nand the deep remembers evermore."
        ),
        "Explain what a hash table is to a ten-year-old, in three sentences.": (
            "A hash table is like a big set of labelled boxes. A special rule turns each "
            "name into a box number. That way you can find anything really fast."
        ),
    },
)
LLAMA_LIKE = Persona(
    identity="I'm Llama, a large language model trained by Meta.",
    answers={
        "Write a four-line poem about the ocean.": (
            "Quarterly revenue grew by twelve percent,\nmargins improved across each segment,\n"
            "costs were trimmed in the second half,\nas shown in the attached graph."
        ),
        "Explain what a hash table is to a ten-year-old, in three sentences.": (
            "Basketball is played by two teams of five players. Points are scored by "
            "shooting the ball through the hoop. The team with more points wins."
        ),
    },
)


def backend(tokenizers: dict[str, Tokenizer], label: str, **kwargs: object) -> Backend:
    return Backend(tokenizers[label], **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def shared_server() -> Iterator[Standin]:
    """One stand-in for the whole session (stopping one costs ~0.5 s); tests reset it."""
    with serve(OpenAIFingerprintHandler, backends=[]) as server:
        yield server


@pytest.fixture
def make_server(shared_server: Standin) -> Iterator[Callable[..., Standin]]:
    """`make_server(backends, **state)`: the shared stand-in, reset to serve `backends`."""

    def start(backends: list[Backend], **state: object) -> Standin:
        with shared_server.server.lock:
            release = shared_server.server.state.get("release")
            if isinstance(release, threading.Event):
                release.set()  # let a handler still hanging from an earlier test go
            shared_server.server.state = {"backends": backends, **state}
            shared_server.requests.clear()
        return shared_server

    yield start
    start([])
