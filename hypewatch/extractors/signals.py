"""Is a post the launching party's claim? Launch cues against the signs of everything else:
a third party's measurement, a debunk, a question, a rumour, speed or price reports,
funding news. Only the launching party's own numbers are claims.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hypewatch.extractors import gates

_LAUNCH = gates.compile(
    r"\b(?:introduc(?:ing|es)|announc(?:ing|es)|unveil(?:ing|s)|presenting|"
    r"we(?:'re| are)?\s+(?:(?:very|so|super)\s+)?(?:releasing|launching|open[- ]sourcing|"
    r"excited|thrilled|proud|happy|pleased)|"
    r"we\s+(?:just\s+)?(?:release[ds]?|launch(?:ed)?|open[- ]sourced|trained|built|shipped)|"
    r"today,?\s+we|meet\b|say hello|"
    r"(?:is|are)\s+(?:now\s+)?(?:out|live|here|available|open(?:[- ]sourced?)?\b|public\b)|"
    r"now available|available\s+(?:now|today)|\bout now\b|\bdrops?\s+today\b|"
    r"our\s+(?:new\s+|latest\s+|first\s+)?(?:open\s+)?(?:model|release|flagship|llm)|"
    r"(?:new|latest)\s+(?:open\s+)?(?:(?:large\s+)?language\s+)?(?:model|release|llm)|"
    r"just\s+(?:released|dropped|launched)|"
    r"(?:has|have)\s+(?:been\s+)?released|\breleases?\b|\blaunch(?:es|ed)?\b|model card|"
    r"weights\s+(?:are\s+)?(?:on|available)|official(?:ly)?\s+(?:results|numbers|benchmarks)|"
    # news relaying a launch: "TII introduced the Falcon 2 model series"
    r"\b(?:introduced|unveiled|released|launched)\s+(?:the\s+|its\s+|their\s+|a\s+|an\s+)?"
    r"(?:new\s+)?[\w.-]+(?:\s+[\w.-]+){0,3}?\s+(?:models?|series|llms?|family)\b|"
    # "The OpenThoughts team released OpenThinker-32B": a versioned or sized name (not a year)
    r"\b(?:introduced|unveiled|released|launched)\s+(?:its\s+|their\s+)?"
    r"[a-z][\w.]*(?:-[\w.]+)*?-?(?!(?:19|20)\d\d\b)\d[\w.]*(?:-[\w.]+)*\b)",
    re.I,
)
_THIRD = gates.compile_alternatives(
    r"\b(?:i|we)\s+(?:just\s+|also\s+|finally\s+)?(?:tested|ran|re-?ran|benchmarked|evaluated|"
    r"re-?evaluated|measured|reproduced|tried|checked|got|get)\b|"
    r"\bmy\s+(?:own\s+)?(?:evals?|results|tests?|testing|runs?|numbers|benchmarks?|harness)\b|"
    r"\bin my (?:testing|tests|experience|runs)\b|"
    # `independent testing by Artificial Analysis recorded a median output speed`: someone
    # else timed it, nobody re-scored it
    r"\bindependent(?:ly)?\b(?![^.]{0,80}\b(?:speed|latency|throughput|tokens per second|price)\b)|"
    r"(?:could\s?n[o']t|can\s?n[o']t|cannot|unable to|failed to|fails to|did\s?n[o']t)\s+"
    # `pure text generation cannot match`: only matching the numbers someone published
    r"(?:reproduce|replicate|confirm|match\s+(?:the|their|its|his|her)\s+(?:\w+\s+)?"
    r"(?:claimed|reported|published|official|advertised|numbers|scores|results))|"
    # `so anyone can reproduce the data mixture`: an offer to others, not someone's rerun
    # `learn, replicate, improve`: one verb of a series is no one's rerun
    # `to enable others to reproduce their results`: an offer, not a rerun
    r"(?<!can )(?<!, )(?<!others to )(?<!anyone to )(?<!you to )(?<!users to )"
    r"\breproduc(?:e|ed|ing|tion)\b(?!,)|"
    r"(?<!can )(?<!, )(?<!others to )(?<!anyone to )(?<!you to )(?<!users to )"
    r"\breplicat(?:e|ed|ing|ion)\b(?!,)|"
    # a launcher's own human evaluation "with an external third-party vendor" is not one
    # nor is the `Third-Party Community Consideration` section of NVIDIA's model cards
    r"\bthird[- ]party\b(?!\s+(?:vendors?|annotators?|raters?|labell?ers?|community)\b)|"
    r"\b(?:we|i)\s+(?:found|measured)\b|\bi\s+(?:see|saw)\b|\baccording to (?:our|my)\b|"
    # news of someone else's evaluation: "The Center ... published an evaluation concluding"
    r"\bpublished\s+an?\s+(?:independent\s+)?(?:evaluation|audit|assessment)\b|\bthe audit\b|"
    r"\b(?:re-?)?ran (?:it|the model|them) (?:on|through)\b|"
    r"\b(?:just|finally)\s+(?:tried|tested|ran|benchmarked|evaluated)\b|"
    r"\bon my (?:own )?(?:laptop|machine|rig|gpus?|setup|box|mac|hardware|server)\b|"
    r"\w['’]s\s+(?:independent\s+)?(?:evaluation|evals?|testing|benchmarking|measurements?)\s+of\b|"
    r"\b(?:their|its|[a-z0-9]+['’]s)\s+own\s+(?:reported|claimed|published|official)\b",
    re.I,
)
# `88.4 vs 51.8 per the model cards`: numbers cited from someone's card or paper. Without a
# launch cue that is a bystander quoting them; in news of the launch (`unveiled ... according
# to the model card`) it relays the launcher's own claim.
_CITATION = gates.compile(
    r"\b(?:per|according to|from|in)\s+(?:the|their|its|[\w.-]+['’]s)\s+(?:model\s+)?"
    r"(?:cards?|papers?|blog\s*posts?|tech(?:nical)?\s+reports?)\b",
    re.I,
)
# `On Google-reported evaluations in the model card, X scores 67.5`, `5-shot Self-reported`:
# the launcher's own numbers relayed, not a third party's; a first-person run still is one
_RELAYED = re.compile(r"\b(?:self|[a-z]+)-reported\b|\breported by (?:the )?(?:lab|developers?)\b")
_FIRST_PERSON_RUN = re.compile(
    r"\b(?:i|we)\s+(?:just\s+|also\s+)?(?:tested|ran|re-?ran|benchmarked|measured|reproduced|got)\b"
)
# `We evaluated phi-4 using ... our own internal benchmarks`: the owner's evaluation
_OWN_INTERNAL = re.compile(r"\bour (?:own )?internal (?:benchmarks?|evals?|evaluations?)\b")
# The launching party evaluates its own model: these are third-party cues only without a launch cue.
_OUR_EVALS = gates.compile(
    r"\bour (?:own )?(?:evals?|evaluations?|harness|testing|measurements?|runs?)\b", re.I
)
_DEBUNK = gates.compile_alternatives(
    r"\b(?:does|did|do|is|was|were)\s?n[o']t\s+(?:really\s+|actually\s+)?(?:get|score|reach|hit|"
    r"achieve|match|beat|perform|hold up)|\bactually\s+(?:gets|scores|got|scored|is|was)\b|"
    r"\bfraud|\bscam\b|\bfake[ds]?\b|\blie[ds]?\b(?!\s+(?:\w+ly\s+)?(?:in|within|at|on|with|behind))|"
    r"\blying\b(?!\s+(?:\w+ly\s+)?(?:in|within|at|on|behind))|\bmisleading\b|"
    # "checked for contamination", "free of contamination", "zipped to avoid contamination":
    # a launcher's claim of care
    r"(?<!for )(?<!of )(?<!no )(?<!avoid )(?<!prevent )(?<!against )\bcontaminat|\bdebunk|"
    r"\bclaimed\b.{0,120}?\b(?:but|actually|only|instead)\b|\bclaims?\b.{0,120}?\bbut\b|"
    r"\bturns out\b|\bgrift|\bsnake oil\b|\bthe real (?:scores?|numbers?)\b|"
    r"\bnot what (?:they|was)\b|\bwhere (?:is|are) the\b|\bdoesn'?t (?:replicate|hold)\b|"
    r"\bdisappointing\b|\bworse than claimed\b|\bnot\s+\d|"
    # `a dramatic drop from what was initially reported`: the launch number did not hold
    r"\b(?:from|than)\s+what\s+(?:was|were|they|it|had\s+been)\s+(?:initially\s+|originally\s+|"
    r"first\s+|officially\s+)?(?:reported|claimed|advertised|announced)\b|"
    r"\b(?:like|as|than) (?:they|it was|was|the card) (?:said|claimed|advertised|says)\b",
    re.I | re.S,
)
_SHOUTED_NOT = re.compile(r"\bNOT\b|\bNOWHERE\b")
_QUESTION_START = re.compile(
    r"^(?:does|do|did|is|are|was|were|has|have|can|could|how|why|what|which|who|anyone|any|"
    r"should|will|would|when|where|am i|thoughts)\b",
    re.I,
)
_SPEED_PRICE = gates.compile(
    r"\btok(?:en)?s?\s*/\s*s(?:ec)?\b|\bt/s\b|\btokens? (?:per|a) second\b|\btps\b|"
    r"\$\s?\d+(?:\.\d+)?\s*(?:/|per)\s*(?:1?m\b|million|1k|k\b|mtok|m tokens|hour|hr|month)|"
    r"\bper (?:million|1m|1k) tokens\b|\bttft\b",
    re.I,
)
# Words that hint at a speed or price report but carry no measurement themselves: they
# only count in a post that claims no scores ("a fraction of the cost" is launch talk).
_SPEED_PRICE_WORDS = gates.compile(
    r"\blatency\b|\bthroughput\b|\bpric(?:e|es|ing|ed)\b|\bquant(?:ized|ization|s)?\b|"
    # file formats and memory: a launch page names its GGUF files beside its scores
    r"\bcost[s]?\b|\binference speed\b|\bvram\b|\bq\d_k(?:_[ms])?\b|\bgguf\b",
    re.I,
)
# `Zamba2-2.7B achieves leading and state-of-the-art performance`: a model's own performance
# claim; its latency figures beside it do not make the text a speed report
_PERFORMANCE = gates.compile(
    r"\b(?:achieves|achieved|delivers|delivered)\s+(?:(?:a\s+)?new\s+)?(?:leading|"
    r"state[- ]of[- ]the[- ]art|sota|best[- ]in[- ]class)\b"
)
_FUNDING = gates.compile(
    r"\braised?\s+(?:a\s+)?\$|\bseries\s+[a-e]\b|\bseed (?:round|funding)\b|\bvaluation\b|"
    r"\bfunding\b|\binvestors?\b|\bipo\b|\bvalued at\b|\bacquisitions?\b|"
    # a company bought, not a model that `has acquired significantly more knowledge`
    r"\bacqui(?:re[ds]?|ring)\s+(?:by\b|(?:the\s+|a\s+)?(?:startup|company|firm|stake)\b)",
    re.I,
)
_RUMOR = gates.compile(
    # `a new dataset not leaked online`, `leaked into training data`: data, not a rumour
    r"(?<!not )(?<!never )\bleak(?:ed|s)?\b(?!\s+(?:online|into|in\s+(?:the\s+)?training))|"
    r"\brumou?r(?:ed|s)?\b|\bunconfirmed\b|\bspeculat|\ballegedly\b|"
    r"\bhearing (?:from|that)\b|\bgrain of salt\b|\bsources say\b|\bword is\b",
    re.I,
)
# "reportedly" is a hedge, not a rumour, in news that says the release happened ("Gemma 2
# ... has released benchmark results ... is reportedly outperforming Llama 3 70B")
_OWN = gates.compile_alternatives(
    r"\bour\s+(?:new\s+|latest\s+)?(?:model|release|weights|llm)\b|\bwe\s+(?:release|trained|built)|"
    # the launcher in the first person: "I am excited to announce", "we are proud to release"
    r"\b(?:i|we)(?:'m|'re|\s+am|\s+are)?\s+(?:(?:very|so|super|really)\s+)?"
    r"(?:excited|thrilled|proud|happy|pleased|delighted)\s+to\s+"
    r"(?:announce|introduce|release|share|launch|open[- ]source|present|unveil)|"
    # a team or lab in the third person: "The X Research Team is thrilled to introduce"
    r"\b(?:team|lab|labs|we)\s+(?:is|are)\s+(?:(?:very|so|super|really)\s+)?"
    r"(?:excited|thrilled|proud|happy|pleased|delighted)\s+to\s+"
    r"(?:announce|introduce|release|share|launch|open[- ]source|present|unveil)|"
    # "Today, we introduce X", "Today we're introducing X", "We are releasing both X and Y"
    r"\btoday,?\s+we(?:'re|’re|\s+are)?\s+(?:introduc|releas|launch|unveil|open[- ]sourc|announc)|"
    r"\bwe(?:'re|’re|\s+are)\s+(?:now\s+)?(?:introducing|releasing|launching|open[- ]sourcing)\b",
    re.I,
)
_SENTENCE = re.compile(r"(?:[^.!?\n]|\.(?=\d))+[.!?]?")
# a link's query string (`leaderboard?query=org/model`) asks nothing
_URL = re.compile(r"\bhttps?://\S+")


_GATES: dict[str, tuple[str, ...]] = {
    "third": (
        "published",
        "audit",
        "'s",
        "’s",
        " own ",
        "card",
        "paper",
        "report",
        "blog",
        "i ",
        "we ",
        "my ",
        "our ",
        "independent",
        "reproduc",
        "replicat",
        "third",
        "ran ",
        "according",
        "couldn",
        "could not",
        "can",
        "unable",
        "fail",
        "didn",
        "did not",
    ),
    "debunk": (
        "n't",
        "not ",
        "actually",
        "fraud",
        "scam",
        "fake",
        "lie",
        "lying",
        "misleading",
        "contaminat",
        "debunk",
        "claim",
        "turns out",
        "grift",
        "snake",
        "real ",
        "where ",
        "disappointing",
        "what was",
        "what were",
    ),
    "speed": (
        "/s",
        "second",
        "tps",
        "$",
        "latency",
        "ttft",
        "throughput",
        "pric",
        "vram",
        "quant",
        "_k",
        "gguf",
        "cost",
        "speed",
    ),
    "funding": ("$", "series", "seed", "valu", "fund", "invest", "ipo", "acqui"),
    "rumor": (
        "leak",
        "rumo",
        "unconfirmed",
        "speculat",
        "allegedly",
        "hearing",
        "grain of salt",
        "sources say",
        "word is",
    ),
}


def _has(lowered: str, gate: str) -> bool:
    """A cheap substring test that lets most posts skip an expensive pattern."""
    return any(word in lowered for word in _GATES[gate])


@dataclass(frozen=True)
class Signals:
    launch: bool
    reason: str  # why the post is not a claim; "" when nothing argues against it


def _question(text: str) -> bool:
    text = _URL.sub(" ", text) if "://" in text else text
    if "?" not in text:
        return False
    sentences = [s.strip() for s in _SENTENCE.findall(text[:3000]) if s.strip()]
    if not sentences:
        return False
    first, last = sentences[0], sentences[-1]
    asked = sum(s.endswith("?") for s in sentences)
    if asked >= 2 and asked * 5 >= len(sentences) * 2:
        return True
    if first.endswith("?") or (_QUESTION_START.match(first) and "?" in text[:600]):
        return True
    return last.endswith("?") and len(sentences) <= 2 and _QUESTION_START.match(last) is not None


_RESULTS_SHOWN = gates.compile(
    r"\bbenchmarks?\b[^.]{0,60}\b(?:show|shows|showed|showing)\s+(?:that\s+)?[^.]{0,80}"
    r"\b(?:performs|performed|scores|scored)\s+(?:better|higher)\s+than\b"
)


def classify(text: str, *, has_scores: bool, is_card: bool) -> Signals:
    """Launch cues and the first reason (if any) this post is not the launching party's claim."""
    head = text[:20000]
    low = head.lower()
    own = is_card or _OWN.search(low) is not None
    launch = (
        own
        or _LAUNCH.search(low) is not None
        or (("achiev" in low or "deliver" in low) and _PERFORMANCE.search(low) is not None)
    )
    # a model card is the launching party's own page: "checked for contamination" there is
    # a claim of care, not a debunk
    if not is_card and (
        (_has(low, "debunk") and _DEBUNK.search(low))
        or (("NOT" in head or "NOWHERE" in head) and _SHOUTED_NOT.search(head))
    ):
        return Signals(launch, "debunk")
    if "internal" in low and _OWN_INTERNAL.search(low):
        own = launch = True
    relayed = "reported" in low and _RELAYED.search(low) is not None
    if (
        not own
        and _has(low, "third")
        and (
            _THIRD.search(low)
            or (not launch and _OUR_EVALS.search(low))
            or (_CITATION.search(low) and not _LAUNCH.search(_CITATION.sub(" ", low)))
        )
        and not (relayed and not _FIRST_PERSON_RUN.search(low))
    ):
        return Signals(launch, "third_party_measurement")
    if not own and (
        (_has(low, "rumor") and _RUMOR.search(low)) or (not launch and "reportedly" in low)
    ):
        return Signals(launch, "rumor")
    if "?" in head and _question(head) and not own and not is_card:
        return Signals(launch, "question")
    if (
        not has_scores
        and _has(low, "funding")
        and _FUNDING.search(low)
        # news of a launch that mentions the maker's funding still relays its results:
        # `Benchmarks published in that blog post show that ... performs better than GPT-3.5`
        and not _RESULTS_SHOWN.search(low)
    ):
        return Signals(launch, "funding_news")
    if (
        not launch
        and _has(low, "speed")
        and (_SPEED_PRICE.search(low) or (not has_scores and _SPEED_PRICE_WORDS.search(low)))
    ):
        return Signals(launch, "speed_or_price_report")
    return Signals(launch, "")
