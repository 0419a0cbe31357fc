"""The probes' scoring rules on known inputs (no endpoint involved)."""

from __future__ import annotations

import itertools

from hypewatch.verifiers.fingerprint.probes import (
    COUNT_MULTI,
    COUNT_TEXTS,
    NAMES,
    TRUNCATION_TEXTS,
    CountObservation,
    chunk_boundaries,
    find_scrubbed,
    fit_counts,
    score_stream,
    score_truncation,
    token_boundaries,
    user,
    vendor_groups,
)
from hypewatch.verifiers.fingerprint.references import Reference


def _observations(ref: Reference, per_request: int, per_message: int) -> list[CountObservation]:
    requests = [user(t) for t in COUNT_TEXTS] + [list(COUNT_MULTI)]
    return [
        CountObservation(
            tuple(m),
            per_request + sum(per_message + ref.count(x["content"]) for x in m),
        )
        for m in requests
    ]


def test_count_fit_recovers_the_template_overhead_and_rejects_the_others(
    refs: list[Reference],
) -> None:
    for true in refs:
        observations = _observations(true, per_request=5, per_message=3)
        fits = {ref.label: fit_counts(observations, ref) for ref in refs}
        assert fits[true.label].exact
        assert fits[true.label].score == 1.0
        assert (fits[true.label].per_request, fits[true.label].per_message) == (5, 3)
        for label, fit in fits.items():
            if label != true.label:
                assert not fit.exact
                assert fit.score is not None
                assert fit.score < 1.0


def test_count_fit_has_no_score_without_checks(refs: list[Reference]) -> None:
    one = _observations(refs[0], 2, 2)[:1]
    assert fit_counts(one, refs[0]).score is None


def test_chunk_boundaries_ignore_where_spaces_attach() -> None:
    assert chunk_boundaries(["hello", " world"]) == chunk_boundaries(["hello ", "world"]) == {5}


def test_stream_scores_the_tokenizer_that_split_the_stream_highest(
    refs: list[Reference],
) -> None:
    text = "Tokenizers disagree: 1234567 vs 12,345,678 and emoji 🚀 naïve"
    for true in refs:
        starts = [0, *(s for s, _ in true.spans(text)[1:]), len(text)]
        chunks = [text[a:b] for a, b in itertools.pairwise(starts) if b > a]
        scored = score_stream(chunks, refs)
        assert scored.informative
        assert scored.scores[true.label] == 1.0
        assert token_boundaries(text, true) == chunk_boundaries(chunks)


def test_truncation_exact_count_is_a_match(refs: list[Reference]) -> None:
    text = "The quick brown fox jumps over 13 lazy dogs"
    counts = {r.label: r.count(text) for r in refs}
    for ref in refs:
        scores = score_truncation(text, counts[ref.label], refs)
        assert scores[ref.label] == 1.0
        for other, n in counts.items():
            if abs(n - counts[ref.label]) > 1:
                assert scores[other] == 0.0


def test_scrubbed_names_are_reported() -> None:
    words = list(NAMES)
    names = [n for n in words if n not in ("Claude", "Anthropic")]
    result = find_scrubbed("\n".join(names), words)
    assert result.informative
    assert result.missing == ["Claude", "Anthropic"]
    assert not find_scrubbed("I can't help with that.", words).informative


def test_names_after_a_max_tokens_cut_are_not_called_scrubbed() -> None:
    words = list(NAMES)
    reply = "\n".join(w for w in words[:10] if w != "Claude")
    cut = find_scrubbed(reply, words, cut=True)
    assert cut.missing == ["Claude"]
    assert cut.not_reached == words[10:]
    assert find_scrubbed(reply, words).missing == ["Claude", *words[10:]]


def test_vendor_groups_match_whole_names_only() -> None:
    assert vendor_groups("I am Claude, made by Anthropic") == {"anthropic"}
    assert vendor_groups("Qwen2-72B-Instruct") == {"alibaba"}
    assert vendor_groups("metadata and graphics") == set()


def test_truncation_stop_is_compared_with_each_tokenizers_kth_token_end(
    refs: list[Reference],
) -> None:
    asked = TRUNCATION_TEXTS[0]
    for true in refs:
        spans = true.spans(asked)
        for k in (5, 9):
            reply = asked[: spans[k - 1][1]]
            scores = score_truncation(reply, k, refs, asked)
            assert scores[true.label] == 1.0
            others = [r for r in refs if asked[: r.spans(asked)[k - 1][1]] != reply]
            assert all(scores[r.label] < 1.0 for r in others)
