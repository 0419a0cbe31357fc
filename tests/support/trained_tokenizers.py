"""Tiny, clearly different tokenizers trained once per test session."""

from __future__ import annotations

import random
import re
from pathlib import Path

from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

from hypewatch.verifiers.fingerprint.probes import NAMES

WORDS = re.findall(
    r"\w+",
    "the quick brown fox jumps over lazy dogs model launch weights benchmark score claim "
    "tokenizer endpoint stream reply repeat exactly text users write code return value "
    "for if else while def class import json data bytes later naive resume ocean poem "
    "hash table child explain sentences helpful assistant company trained name answer",
)
EXTRAS = [
    "東京の天気は晴れです",
    "北京欢迎你",
    "서울의 밤",
    "🚀🔥✨",
    "naïve café résumé",
    "∑∫√",
    '{"a": [1, 2]}',
    "x.items()",
    "v**2",
    "0x7fA3",
    "........",
    "========",
]


def corpus(seed: int, lines: int = 400) -> list[str]:
    rng = random.Random(seed)
    vocab = WORDS + list(NAMES)
    out = []
    for _ in range(lines):
        parts = [rng.choice(vocab) for _ in range(rng.randint(4, 12))]
        parts.insert(rng.randrange(len(parts)), str(rng.randint(0, 10 ** rng.randint(1, 9))))
        if rng.random() < 0.5:
            parts.insert(rng.randrange(len(parts)), rng.choice(EXTRAS))
        out.append(" ".join(parts))
    return out


def byte_bpe(vocab_size: int, seed: int, digits: bool) -> Tokenizer:
    tok = Tokenizer(models.BPE())
    pre: list[pre_tokenizers.PreTokenizer] = [pre_tokenizers.ByteLevel(add_prefix_space=False)]
    if digits:
        pre.insert(0, pre_tokenizers.Digits(individual_digits=True))
    tok.pre_tokenizer = pre_tokenizers.Sequence(pre)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    tok.train_from_iterator(corpus(seed), trainer)
    return tok


def wordpiece(vocab_size: int, seed: int) -> Tokenizer:
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=False)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece()
    trainer = trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=["[UNK]"])
    tok.train_from_iterator(corpus(seed), trainer)
    return tok


def unigram(vocab_size: int, seed: int) -> Tokenizer:
    tok = Tokenizer(models.Unigram())
    tok.normalizer = normalizers.Replace(Regex(r"\s+"), " ")
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.decoder = decoders.Metaspace()
    trainer = trainers.UnigramTrainer(
        vocab_size=vocab_size, special_tokens=["<unk>"], unk_token="<unk>"
    )
    tok.train_from_iterator(corpus(seed), trainer)
    return tok


def train_all(directory: Path) -> dict[str, Path]:
    """Train the family of test tokenizers and save each as tokenizer.json."""
    built = {
        "bpe-a": byte_bpe(500, seed=1, digits=False),
        "bpe-b": byte_bpe(350, seed=2, digits=True),
        "wordpiece": wordpiece(400, seed=3),
        "unigram": unigram(300, seed=4),
    }
    paths = {}
    for label, tok in built.items():
        path = directory / label / "tokenizer.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        tok.save(str(path))
        paths[label] = path
    return paths
