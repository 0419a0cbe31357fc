"""Claims other than scores: model name, size, base model, comparisons, links, licence,
and whether a post is the launching party's claim at all.

Regular expressions over the cleaned prose; every pattern is bounded so a
1 MB post costs milliseconds.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from hypewatch.extractors import gates, names, registry
from hypewatch.extractors.scores import SCORE_VERBS
from hypewatch.extractors.text import unlink

_W = r"[A-Za-z][A-Za-z0-9]*(?:[.\-][A-Za-z0-9]+)*"
_SIZE = r"\d+(?:\.\d+)?(?:x\d+(?:\.\d+)?)?[BbMm]"
# Greek letters name versions (`Zephyr-7B-β`)
NAME = (
    # never from inside a word: `128x3.66B MoE` holds no name `x3.66B MoE`
    rf"(?<![\w.])(?:[A-Z][A-Za-z0-9]*(?:[.\-][A-Za-z0-9α-ω]+)*|[a-z]+[0-9][A-Za-z0-9]*(?:[.\-][A-Za-z0-9]+)*|"
    rf"[a-z]+(?:-[a-z0-9.]+)*-[a-z]*[0-9][a-z0-9.]*(?:-[a-z0-9.]+)*(?:[BM](?![\w.]))?)"
    rf"(?:[ \-](?:{_SIZE}|v?\d+(?:\.\d+)*|[A-Z][A-Za-z0-9]*(?:[.\-][A-Za-z0-9α-ω]+)*|[α-ω]|"
    # `Kimi k1.5`: a letter and a version
    rf"[a-z]\d+(?:\.\d+)*(?![\w.]))){{0,4}}"
)
REPO = r"[A-Za-z0-9][\w.\-]{0,95}/[A-Za-z0-9][\w.\-]{0,95}"
_NAME_RE = re.compile(NAME)
_DET = (
    r"(?:(?:the|our|its|their|a|an|new|latest|first|open|novel)\s+){0,3}"
    # `We released the second update, OpenChat 3.5 0106`: the name in apposition
    r"(?:(?:second|third|fourth|next|major|minor)\s+)?(?:(?:update|version|iteration),\s+)?"
)
_CUE = gates.compile(
    r"(?i:introducing|announcing|presenting|unveiling|releasing|launching|open[- ]sourcing|"
    r"meet|say hello to|welcome|our\s+(?:new\s+|final\s+)?model,?|"
    r"we\s+(?:are\s+|'re\s+)?(?:introduce|present|release[sd]?|"
    r"launch(?:ed)?|open[- ]sourced?|unveil(?:ed)?)|introduces|announces|unveils|presents|"
    r"(?:has|have)\s+(?:just\s+)?(?:introduced|announced|unveiled|launched)|"
    r"(?:excited|thrilled|proud|happy|pleased|delighted)\s+to\s+(?:introduce|announce|unveil|"
    r"present|release|launch|open[- ]source))"
    r"\s+" + _DET.replace("(?:", "(?i:", 1) + "(" + NAME + ")"
)
_IS_OUT = gates.compile_led(
    NAME,
    r"\s+(?:is|are|has been|just)\s+(?:now\s+)?(?:out|here|live|available|"
    r"released|launched|dropped|open[- ]sourced|open\b|public\b)",
)
# "the recently released X" names an earlier release, not this one
_RELEASES = gates.compile(
    r"(?<!recently )(?<!previously )(?<!already )(?<!earlier )"
    r"\b(?:releases|released|launches|launched|drops|dropped|open-sources)\s+"
    + _DET.replace("(?:", "(?i:", 1)
    + "("
    + NAME
    + ")"
)
# `the training practice of Kimi k1.5, our latest multi-modal LLM`: the owner's apposition
# `we trained Bespoke-Stratos-32B, our reasoning model distilled from ...`: `our` needs no
# adjective (`its`, `their` do: `GPT-4o, their flagship model` is a rival's)
_OUR_LATEST = gates.compile(
    "(" + NAME + r"),\s+(?:(?i:our|its|their)\s+(?i:latest|newest|new|next-generation|first)\s+"
    r"|(?i:our)\s+)(?:[\w-]+\s+){0,3}?(?i:models?|LLMs?|language\s+models?)\b"
    # `finetuning ... on s1K, our model Wren-32B`: the name after it is the model's
    r"(?!\s+[A-Z0-9])"
)
_HEADING = gates.compile(r"^#{1,2}\s+(" + NAME + r")\s*$", re.M)
_LEAD = gates.compile(r"\A\W{0,4}(" + NAME + r")\s*[:\-–—]")
_FAMILIES = (
    "llama|mistral|mixtral|qwen|gemma|phi|deepseek|yi|falcon|olmo|command|claude|gpt|gemini|"
    "hermes|internlm|glm|baichuan|nemotron|granite|smollm|codestral|starcoder"
)
_BASE_CUE = (
    # a smaller model cut from a larger one's weights (`small language models obtained by
    # pruning Nemotron-4 15B`): whatever the subject, that model is the base
    r"(?:(?i:(?:obtained|derived|created|made)\s+by\s+pruning|pruned\s+from)|"
    # "existing multimodal models built on Phi-2": other models' base, not this one's
    r"(?<!models )(?<!LLMs )(?<!ones )(?<!those )"
    r"(?i:(?:fine-?tuned?|fine tuned|finetuned|pre-?trained|trained|training)\s+from"
    r"|(?:built|based)\s+(?:on\s+top\s+of|upon|on|off(?:\s+of)?)"
    # `Built from Qwen 1.5` (`built from scratch` names nothing: not a plausible name)
    r"|built\s+from"
    r"|fine-?tuned\s+on\s+top\s+of"
    # `After supervised finetuning the Qwen2.5-32B-Instruct language model on s1K`
    r"|(?:fine-?tuning|finetuning)(?=\s+(?:the\s|[A-Z]))"
    r"|(?:a|the)\s+(?:full[- ]parameter\s+)?(?:fine-?tuned?|finetuned?)\s+(?:version\s+)?of"
    r"|fine-?tuned\s+version\s+of"
    # `the long-sequence version of model X`, `an upgraded version of X`; a distilled or
    # smaller version of X was not trained from X's weights (a teacher, a sibling)
    r"|(?:a|an|the)\s+(?:(?!(?:distilled|smaller|lighter|larger|bigger|compact|miniature)\b)"
    r"[\w-]+\s+){0,2}version\s+of"
    r"|initiali[sz]ed\s+(?:with|from)"
    # a mixture of experts made from a dense model: `upcycled from X`, `repurposing our X`
    r"|upcycled\s+from|repurposing\s+(?:our|the)(?:\s+existing|\s+pretrained)?"
    # depth up-scaling: `scales a Phi-3-medium model with 14 billion parameters to 22`,
    # `we integrated Mistral 7B weights into the upscaled layers`
    r"|(?:up-?)?scal(?:es|ed|ing)(?=\s+(?:a|an|the)\s)|integrated(?=\s+[A-Z][^.]{0,40}\sweights\b)"
    # `Mathstral stands on the shoulders of Mistral 7B`
    r"|stands\s+on\s+the\s+shoulders\s+of"
    # `leveraging the X foundation` (the name is read up to the word foundation)
    r"|leverag(?:es|ing)\s+the"
    r"|(?:the\s+)?base\s+model\s+of\s+" + NAME + r","
    # a card's field: `- Base model: OpenChat 3.5`, `**Base Model**: X`
    r"|(?m:^[ \t]*(?:[-*•][ \t]*)?)base[ \t]+model[ \t]*:))"
)
# `Pre-trained on DeepSeekMath-Base`: "trained on" names data unless a model's name follows
_BASE_PRETRAINED_ON = gates.compile(
    r"(?i:(?:continued[\s-]+|continually[\s-]+)?pre-?trained\s+on(?:\s+top\s+of)?"
    # `trained over the Mixtral 8x7B MoE LLM` (`trained over 1,000,000 entries` names data)
    r"|(?:fine-?tuned|trained)\s+over"
    r"|(?:continued|continually|further)\s+trained\s+on(?:\s+top\s+of)?"
    # `fine-tuned on Qwen2.5-32B-Instruct` (a model's name: data names have no size)
    r"|fine-?tuned\s+on)\s+(?i:the\s+)?(" + NAME + r")"
)
# `we're above the gpt-4.1-nano base`, `compared to the base Mixtral model`: the model it was
# trained from, named with the word base (a name with a size or version only, see base_model)
_BASE_NAMED_BASE = gates.compile(
    r"\b(?i:the)\s+(?:(" + NAME + r")\s+base\b(?!\s*(?:and|&|/|,|model\s+of))"
    r"|base\s+(" + NAME + r")\s+model\b)"
    # `# Qwythos-9B vs. base Qwen3.5-9B`: the model compared with the one it was tuned from
    r"|\b(?i:vs\.?|versus|compared\s+(?:to|with))\s+(?i:the\s+|its\s+)?(?i:base)\s+(" + NAME + ")"
)
# `on a Llama-3.1-70B-Instruct model as the initial policy`, `with X as the base model`
_BASE_AS = gates.compile_led(
    NAME,
    r"\s+(?i:model\s+)?(?i:as\s+(?:the|its|our)\s+(?:initial\s+policy|"
    r"base(?:\s+model)?|backbone|starting\s+point|foundation(?:\s+model)?|initiali[sz]ation))\b",
)
# `Built on the Llama 3.3 Transformer architecture`: an architecture, not a base model
_ARCHITECTURE_AFTER = re.compile(r"\s*(?:transformer\s+)?(?:architecture|design|recipe)\b", re.I)
# `a state of the art Mistral Fine-tune`, `a Llama 3 finetune`
_BASE_BEFORE = gates.compile(
    r"\b(?i:a|an)\s+(?:[\w-]+\s+){0,5}?(" + NAME + r")\s+(?i:fine-?tune|finetune)\b"
)
# `DBRX Base, the pretrained base model which underlies it`
_BASE_APPOSITIVE = gates.compile_led(
    NAME,
    r",?\s+(?i:the\s+(?:pre-?trained\s+)?base\s+model\s+(?:which|that)\s+"
    r"(?:underlies|underpins|powers)\s+it)\b",
)
# Words between the cue and the name: `built upon the novel CodeLlama 34B`, `further
# pre-trained from an intermediate checkpoint of DeepSeek-V2`, `Finetuned from model: X`.
_BASE_FILLER = (
    r"(?i:(?:the|a|an|novel|base|intermediate|checkpoint|of|version|pretrained|pre-trained|"
    r"open-source|model|powerful|strong|original|our|previous|earlier)\s+){0,5}"
)
_BASE = gates.compile(
    _BASE_CUE
    + r"\s+(?i:model\s*)?(?:\[optional\]\s*)?:?\s*"
    + _BASE_FILLER
    + r"[\"“'‘]?("
    + REPO
    + "|"
    + NAME
    + ")"
)
_RELATION = (
    r"beats|beating|outperforms|outperforming|surpasses|surpassing|exceeds|exceeding|"
    r"better than|ahead of|tops|edges out|crushes|destroys|outclasses|"
    r"matches|matching|rivals|rivaling|on par with|comparable to|competitive with|"
    r"as good as|level with"
)
_COMPARE = gates.compile(
    r"\b(?i:("
    + _RELATION
    + r"))\s+((?:"
    + NAME
    + r")(?:(?:\s*,\s*|\s+and\s+|\s+or\s+|\s*&\s*)(?:"
    + NAME
    + "))*)"
)
_BEATS = frozenset(
    [
        "beats",
        "beating",
        "outperforms",
        "outperforming",
        "surpasses",
        "surpassing",
        "exceeds",
        "exceeding",
        "better than",
        "ahead of",
        "tops",
        "edges out",
        "crushes",
        "destroys",
        "outclasses",
    ]
)
_PARAMS_SPLIT = gates.compile(
    r"(\d+(?:\.\d+)?)\s*(B|billion)\b[^.\n\d]{0,40}?(\d+(?:\.\d+)?)\s*(B|billion)\s*"
    r"(?:param(?:eter)?s?\s+)?(?:active|activated)",
    re.I,
)
# `39B active parameters out of 141B total`, `141B total parameters`
_ACTIVE_OF_TOTAL = gates.compile(
    r"(\d+(?:\.\d+)?)\s*(?:B|billion)\s+(?:active|activated)\b[^.\n\d]{0,40}?"
    r"(\d+(?:\.\d+)?)\s*(?:B|billion)\s+total\b",
    re.I,
)
_TOTAL = gates.compile(r"(\d+(?:\.\d+)?)\s*(?:B|billion)\s+total\b", re.I)
_PARAMS = gates.compile(
    r"(\d+(?:\.\d+)?(?:x\d+(?:\.\d+)?)?)\s*(B|billion|M|million)[\s-]*(?:total\s+)?param(?:eter)?s?\b",
    re.I,
)
_URL = gates.compile(r"(?:https?://|(?<![\w/.])(?:huggingface\.co|hf\.co)/)[^\s<>\"'`)\]]{1,400}")
_OPEN = gates.compile(
    r"\bopen[- ]weights?\b|\bopen[- ]sourc(?:e|ed|ing)\b|"
    r"\bweights (?:are )?(?:on|available|released)|"
    r"\bdownload (?:the )?weights\b|\bpermissive(?:ly)? licen",
    re.I,
)
_LICENSE = gates.compile(
    r"\b(apache[- ]?(?:license[- ]?)?2(?:\.0)?|mit licen[sc]e|"
    r"llama[- ]?\d(?:\.\d)? (?:community )?licen[sc]e|"
    r"cc[- ]by(?:[- ]nc)?(?:[- ]sa)?[- ]4\.0|gpl-?3(?:\.0)?|openrail\+*\S*)",
    re.I,
)


@dataclass(frozen=True)
class Link:
    kind: str
    url: str

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "url": self.url}


@dataclass(frozen=True)
class Comparison:
    relation: str
    model: str

    def to_json(self) -> dict[str, str]:
        return {"relation": self.relation, "model": self.model}


@functools.lru_cache(maxsize=8192)
def _trim(name: str) -> str:
    name = name.strip(" .,:;-")
    words = name.split()
    while words and (words[-1].lower() in _TRAILING or registry.lookup(words[-1]) is not None):
        words.pop()
    # a sentence-initial verb or adverb ("Tested Tern-7B", "Finally Qwen2 7B") is not part
    # of the name; a name word with a digit ("Tested-7B") always is
    while (
        len(words) > 1
        and _LEADING_WORD.fullmatch(words[0])
        and words[0].lower() not in (_FAMILY_WORDS)
    ):
        words.pop(0)
    return " ".join(words)


_LEADING_WORD = re.compile(r"[A-Za-z]+(?:ed|ing|ly)")
_FAMILY_WORDS = frozenset({"ling", "qwen", "reflection"})  # families that look like verbs


_TRAILING = frozenset(
    [
        "is",
        "are",
        "on",
        "in",
        "at",
        "with",
        "and",
        "or",
        "the",
        "a",
        "an",
        "for",
        "to",
        "by",
        "of",
        "from",
        "it",
        "its",
    ]
)


@functools.lru_cache(maxsize=8192)
@functools.lru_cache(maxsize=8192)
def _plausible_name(name: str) -> bool:
    if len(name) < 2 or len(name) > 80 or registry.lookup(name) is not None:
        return False
    if registry.lookup(name.split()[0]) is not None:  # `MT-Bench 7.9` is a score, not a name
        return False
    if _BARE_VERSION.match(name) or _PRECISION_WORD.match(name):
        return False  # `v0.4.5 is out` names a software release; `bfloat16` a number format
    if _NOT_MODEL_NAME.match(name):
        return False  # `1B-Parameter`, `Mistral AI`: a size or a company, not a model
    first = name.split()[0].lower()
    if first in _STOP:
        return False
    return (
        any(c.isdigit() for c in name)
        or re.match(rf"(?:{_FAMILIES})\b", name, re.I) is not None
        or _TIERED.match(name) is not None
    )


# `Hunyuan-Large`, `ERNIE-Lite`: a capitalised name with a tier joined by a hyphen
_TIERED = re.compile(
    r"^[A-Z][A-Za-z]{2,}-(?:Large|Lite|Mini|Pro|Max|Turbo|Plus|Flash|Medium|Small|Tiny|Ultra|Nano)$"
)


_BARE_VERSION = re.compile(r"^v?\d+(?:\.\d+)*[a-z]?$", re.I)
_PRECISION_WORD = re.compile(r"^(?:b?float|bf|fp|int)\d{1,2}$", re.I)
_NOT_MODEL_NAME = re.compile(
    r"^\d+(?:\.\d+)?[BM]-?(?:param(?:eter)?s?)\b|^[A-Z][A-Za-z]+\s+(?:AI|Labs?|Inc\.?|Research)$"
    # hardware: `A40 GPUs`, `8x H100`, `RTX 4090`, `TPU v5e`
    r"|^(?:\d+\s*x\s*)?(?:[AHLVB]\d{2,3}[A-Za-z]?|RTX\s?\d{4}|MI\d{3}X?|TPU\s?v\d\w?)"
    r"(?:\s+(?:GPUs?|SXM|PCIe|80GB|40GB))*$",
    re.I,
)
_STOP = frozenset(
    [
        "we",
        "i",
        "our",
        "the",
        "this",
        "it",
        "its",
        "a",
        "an",
        "today",
        "new",
        "meet",
        "introducing",
        "mmlu",
        "gpqa",
        "humaneval",
        "math",
        "gsm8k",
        "ifeval",
        "so",
        "and",
        "but",
        "just",
        "also",
        "here",
        "now",
        # licences: `Apache 2.0`, `GPL-3.0`, `CC-BY-4.0` name no model
        "apache",
        "gpl",
        "lgpl",
        "agpl",
        "mpl",
        "cc",
        "cc-by",
        "mit",
        # a page's header line: `Paper 2501.19393`
        "paper",
        "arxiv",
        "abstract",
        # dates: `September 5, 2024 — DeepSeek-V2.5 released`
        "january",
        "february",
        "march",
        "april",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
    ]
)


_MARKUP = re.compile(r"\*\*|__|`")
# Only variant words follow a size in a name: `Llama 3.1 8B Instruct`, not `Falcon 180B Shows`.
_AFTER_SIZE = frozenset(
    [
        "instruct",
        "chat",
        "base",
        "it",
        "preview",
        "coder",
        "code",
        "math",
        "vision",
        "alpha",
        "beta",
        "turbo",
        "pro",
        "mini",
        "hf",
        "sft",
        "dpo",
        "rlhf",
        "lite",
        "moe",
    ]
)
# A headline's verb or preposition ends the name before it: `Granite 4.1 Redefines AI
# Efficiency`, `ChatGPT Outclassed By OpenChat-3.5`.
_HEADLINE_BREAK = frozenset(
    [
        "redefines",
        "redefining",
        "outclassed",
        "outclasses",
        "outperforms",
        "outperformed",
        "outperforming",
        "beats",
        "beat",
        "beating",
        "tops",
        "topped",
        "sets",
        "takes",
        "brings",
        "launches",
        "launched",
        "achieves",
        "achieved",
        "delivers",
        "challenges",
        "rivals",
        "surpasses",
        "surpassed",
        "crushes",
        "dethrones",
        "shows",
        "is",
        "are",
        "was",
        "were",
        "gets",
        "makes",
        "hits",
        "claims",
        "leads",
        "joins",
        "arrives",
        "debuts",
        "lands",
        "matches",
        "released",
        "releases",
        "unveils",
        "unveiled",
        "introduces",
        "announces",
        "goes",
        "comes",
        "now",
        "vs",
        "vs.",
        "versus",
        "by",
        "with",
        "for",
        "and",
        "in",
        "on",
        "to",
        "at",
        "of",
        "from",
        "against",
    ]
)
# Words before a name in a headline: an organisation, its possessive `s` (the apostrophe
# lost in a slug), an adjective.
_LEADING_FILLER = frozenset(
    [*names.ORGS, "s", "new", "latest", "lightweight", "powerful", "tiny", "massive", "the"]
)
# Words that end a title but are not part of the name: `Phi-3 Technical Report`.
_TITLE_TAIL = frozenset(
    [
        "technical",
        "report",
        "paper",
        "overview",
        "series",
        "family",
        "release",
        "announcement",
        "blog",
        "model",
        "models",
        "language",
        "card",
        "performance",
        "performances",
        "results",
        "benchmark",
        "benchmarks",
        "evaluation",
        "update",
    ]
)
_TITLE_SPLIT = re.compile(r"\s*[:|–—]\s+|\s+-\s+|\s*:\s*$")
_INNER_CAPITAL = re.compile(r"[a-z][A-Z]|[A-Za-z]-[A-Za-z]")
_THE_FAMILY = gates.compile(
    r"\bThe\s+(" + NAME + r")\s+(?:series|family|collection|models?|multilingual|large language)\b"
)
# the first sentence's subject, also under a title line that names nothing (`About this
# model\nGemma 3 27B is the largest model ...`)
_OPENING_IS = gates.compile(r"\A(?:[^\n]{0,60}\n)?\W{0,4}(" + NAME + r")\s+(?:is|was)\s")
# `Llemma 34B is a language model for mathematics.`, a paragraph's opening under a logo, a
# bar of links and the authors' names
_PARAGRAPH_IS = gates.compile(
    r"^\W{0,4}(" + NAME + r")\s+is\s+(?i:an?|the)\s+(?:[\w-]+\s+){0,4}?"
    r"(?i:(?:language\s+)?models?|LLM)\b",
    re.M,
)


@functools.lru_cache(maxsize=32)
def plain(text: str) -> str:
    """Prose without emphasis markup, for name patterns (`**Qwen-72B**`). Cached: the name
    rules of one post ask for the same heads of its prose."""
    text = _MARKUP.sub("", text)
    if "<" in text:  # `<h1>STILL</h1>`: a tag's name (`h1`) is not a model's
        text = _TAG.sub(" ", text)
    return unlink(text)


@functools.lru_cache(maxsize=8192)
def clip(name: str) -> str:
    """A name, not a sentence: nothing after the size but variant words, no title tail."""
    out: list[str] = []
    sized = False
    words = name.split()[:8]
    # `Google S Lightweight Gemma 3` (a headline slug of `Google's lightweight Gemma 3`)
    while len(words) > 1 and words[0].lower() in _LEADING_FILLER:
        words = words[1:]
    for word in words:
        variant = word.lower() in _AFTER_SIZE or re.match(r"v?\d|[α-ω]$", word, re.I)
        # `Llama 3-70B 63.0`: a decimal after the size is a score in a row, not a version
        score = sized and re.fullmatch(r"\d+\.\d+%?", word) is not None
        if (sized and not variant) or score or (out and word.lower() in _HEADLINE_BREAK):
            break
        out.append(word)
        sized = sized or bool(names.sizes(names.tokens(word)))
    while len(out) > 1 and out[-1].lower() in _TITLE_TAIL:
        out.pop()
    # `Falcon 2 LLM`: a generic word after a version, not part of the name (`DeepSeek LLM` is)
    while len(out) > 2 and out[-1].lower() in ("llm", "llms") and out[-2][:1].isdigit():
        out.pop()
    text = " ".join(out)
    return text if len(text) <= 80 else ""


def _title_word(name: str) -> bool:
    """One word with an inner capital or hyphen (`QwQ`, `Safurai-Csharp`), or an acronym
    with capitalised words after it (`DBRX Instruct`): a title's name."""
    words = name.split()
    if registry.lookup(name) is not None or not words or words[0].lower() in _NOT_A_NAME:
        return False
    if len(words) == 1:
        return _INNER_CAPITAL.search(name) is not None
    acronym = re.fullmatch(r"[A-Z]{3,}[0-9]*", words[0]) is not None
    return acronym and len(words) <= 3 and all(w[:1].isupper() for w in words)


# `Sailor: Open Language Models for South-East Asia`: a title whose description says it
# names models makes its one plain word a name
_MODEL_DESCRIPTION = re.compile(r"\b(?:language\s+models?|LLMs?|foundation\s+models?)\b", re.I)
_ONE_WORD = re.compile(r"[A-Z][a-z]{2,}[0-9]*")


def _described_name(parts: list[str]) -> str:
    head = parts[0].strip()
    if (
        len(parts) == 2
        and _ONE_WORD.fullmatch(head)
        and head.lower() not in _NOT_A_NAME
        and registry.lookup(head) is None
        and _MODEL_DESCRIPTION.search(parts[1])
    ):
        return head
    return ""


# Title words that are a page's part, not a model (`# README`, `# FAQ`).
_NOT_A_NAME = frozenset(
    ["readme", "faq", "news", "api", "license", "introduction", "overview", "changelog", "todo"]
)


def _named_by_launch_verb(name: str) -> bool:
    """`thrilled to introduce Snowflake Arctic`: after a launch verb, capitalised words with
    no digit still name the model (two or three of them, the first not a common word)."""
    words = name.split()
    return (
        2 <= len(words) <= 3
        and all(w[:1].isupper() for w in words)
        and words[0].lower() not in _STOP
        and words[0].lower() not in _NOT_A_NAME
        and registry.lookup(words[0]) is None
    )


def _one_word(name: str) -> bool:
    """One capitalised word that is no common, page-part or benchmark word."""
    return (
        " " not in name
        and len(name) >= 3
        and name[:1].isupper()
        and name.lower() not in _STOP
        and name.lower() not in _NOT_A_NAME
        and registry.lookup(name) is None
    )


def _recurring_word(name: str, text: str) -> bool:
    """`thrilled to announce Jamba`: one capitalised word after a launch verb names the model
    when the text repeats it (three times or more) and it is no common or benchmark word."""
    return _one_word(name) and len(re.findall(rf"\b{re.escape(name)}\b", text)) >= 3


# `We introduce Codex, a GPT language model ...`: the launch verb's one word, then an
# apposition that says it is a model
_APPOSITION = re.compile(
    r"\s*,\s*(?:a|an|our)\s+(?:[\w-]+\s+){0,4}?(?:language\s+|foundation\s+)?(?:models?|LLMs?)\b"
)


def _described_by_apposition(name: str, text: str, end: int) -> bool:
    return _one_word(name) and _APPOSITION.match(text, end) is not None


def _name_in(text: str, exclude: set[str], title_like: bool = False) -> str:
    for k, match in enumerate(_NAME_RE.finditer(text)):
        if text.startswith("/", match.end()):
            continue  # `open-r1/OpenR1-Distill-7B`: the repo's owner, not the model
        name = clip(_trim(match.group(0)))
        if not name or names.key(name) in exclude:
            continue
        if _plausible_name(name):
            return name
        if _title_word(name) and title_like and k == 0 and match.start() == 0:
            return name
    return ""


def first_name(text: str, exclude: set[str]) -> str:
    """The first plausible model name in a piece of text (a caption, a sentence)."""
    return _name_in(plain(text[:600]), exclude) if text.strip(" .") else ""


_TAG = re.compile(r"</?[A-Za-z][^>]{0,200}>")
_REPO_TITLE = re.compile(r"[A-Za-z0-9][\w.\-]{0,95}/[A-Za-z0-9][\w.\-]{0,95}[0-9][\w.\-]{0,95}$")


def title_name(body: str, exclude: set[str]) -> tuple[str, bool]:
    """The name in a text's title (an H1, or a first line that is not a sentence), and
    whether the title is that name and nothing else."""
    lines = body.splitlines()
    template = _TEMPLATE_TITLE.search("\n".join(lines[:40]))
    if template is not None:
        # the Hub's card template (`# Model Card for OLMo 2 13B`), often below a section
        # heading or a logo: the title wherever it sits near the top
        name = _name_in(template.group(1), exclude, title_like=True)
        if name:
            return name, name == template.group(1).strip()
    for line in lines[:6]:
        text = plain(line).strip()
        if "<" in text:  # `<h1>`, `<div align="center">`: markup around a title, not one
            text = _TAG.sub("", text).strip()
        if not text:
            continue
        if text.count("|") >= 2 and line.count("](") >= 3:
            continue  # `[ArXiv](...) | [Models](...) | [Code](...)`: a bar of links, no title
        if _REPO_TITLE.match(text):  # a page titled by its repo id (`org/Model-7B-slerp`)
            return text, True
        heading = re.match(r"#\s+(.*)", text)
        if text.startswith("#") and heading is None:
            return "", False  # a section heading first: no title
        title = heading.group(1).strip() if heading else text
        parts = _TITLE_SPLIT.split(title, maxsplit=1)
        short = sum(1 for rest in lines[:12] if rest.strip()) < 3  # a post, not a page
        if heading is None and (
            short or len(title) > 120 or (len(parts) < 2 and title.endswith("."))
        ):
            return "", False
        head = parts[0]
        name = _name_in(head, exclude, title_like=True) or _described_name(parts)
        fused = _with_base_suffix(title, name)
        if fused:
            return fused, True
        return name, bool(name) and name == head.strip()
    return "", False


_TEMPLATE_TITLE = re.compile(r"^#\s+Model Card for\s+(\S[^\n]{0,150})$", re.I | re.M)

# `Nous Hermes 2 - Yi-34B`, `OpenHermes 2.5 - Mistral 7B`: a fine-tune's name, then the
# sized base model it was made from, is the whole name
_BASE_SUFFIX = re.compile(r"\s+-\s+(" + NAME + r")\s*$")


def _with_base_suffix(title: str, name: str) -> str:
    if not name or names.sizes(names.tokens(name)) or not title.startswith(name):
        return ""
    suffix = _BASE_SUFFIX.match(title, len(name))
    if suffix is None or not names.sizes(names.tokens(suffix.group(1))):
        return ""
    return f"{name} - {suffix.group(1)}"


# News naming the launched model: `The program, known simply as Mixtral-8x7B, ...`,
# `a new model called Smaug-72B`
_CALLED = gates.compile(
    r"(?i:\b(?:model|program|llm|system|release)s?,?\s+(?:known\s+(?:simply\s+)?as|called|dubbed)"
    r"\s+[\"“]?)(" + NAME + r")"
)


# Substrings a pattern cannot match without (every group must hit): most posts skip it.
_LAUNCH_GATES: tuple[tuple[gates.Gated, tuple[tuple[str, ...], ...]], ...] = (
    (
        _CUE,
        (
            (
                "introduc",
                "announc",
                "present",
                "unveil",
                "releas",
                "launch",
                "open",
                "meet",
                "hello",
                "welcome",
                "our model",
                "our new model",
                "our final model",
            ),
        ),
    ),
    (
        _IS_OUT,
        (
            (" is ", " are ", " has been ", " just "),
            ("out", "here", "live", "availab", "releas", "launch", "drop", "open", "public"),
        ),
    ),
    (_RELEASES, (("releas", "launch", "drop", "open-sources"),)),
    (_OUR_LATEST, ((", our ", ", its ", ", their "),)),
    (_CALLED, (("model", "program", "llm", "system", "release"), ("known", "called", "dubbed"))),
)


_DATA_NOUN = re.compile(r"\]?\s*(?:\([^)]{0,80}\)\s*)?(?i:data\s*sets?|data|corpus|corpora)\b")


def launch_names(text: str, exclude: set[str]) -> list[str]:
    """Names that launch sentences give (`We release X`, `Introducing X`, `X is out`), in order."""
    head = plain(text[:8000])
    low = head.lower()
    found: list[tuple[int, str]] = []
    for pattern, needs in _LAUNCH_GATES:
        if not all(any(w in low for w in words) for words in needs):
            continue
        for match in pattern.finditer(head):
            if _DATA_NOUN.match(head, match.end(1)):
                continue  # `We release our Bespoke-Stratos-17k dataset`: data, not a model
            name = clip(_trim(match.group(1)))
            plausible = _plausible_name(name) or (
                pattern is _CUE
                and (
                    _named_by_launch_verb(name)
                    or _recurring_word(name, head)
                    or _described_by_apposition(name, head, match.end(1))
                )
            )
            if name and plausible and names.key(name) not in exclude:
                found.append((match.start(1), name))
    out: list[str] = []
    for _, name in sorted(found):
        if all(names.key(name) != names.key(n) for n in out):
            out.append(name)
    return out[:8]


def aliases(text: str, model: str) -> tuple[str, list[str]]:
    """`Hunyuan-Large (Hunyuan-MoE-A52B)`: one model under two names. The name outside the
    parenthesis is the one the text goes by; both name the model's column in a table."""
    if not model or (f"({model}" not in text and f"{model} (" not in text):
        return model, []
    inner = re.search(rf"({NAME})\s*\(\s*{re.escape(model)}\s*\)", text[:20000])
    if inner:
        outer = clip(_trim(inner.group(1)))
        if outer and names.key(outer) != names.key(model) and names.compatible(outer, model):
            return outer, [model]
    after = re.search(rf"{re.escape(model)}\s*\(\s*({NAME})\s*\)", text[:20000])
    if after:
        other = clip(_trim(after.group(1)))
        if other and _plausible_name(other) and names.compatible(other, model):
            return model, [other]
    return model, []


_PERFORMS = gates.compile_led(
    NAME, r"\s+(?:achieves|achieved|scores|scored|reaches|reached|attains|attained)\b"
)
_PERFORM_WORDS = ("achieve", "score", "reach", "attain")


def performers(text: str, model: str) -> list[str]:
    """`BlueLM-7B-Chat achieves …`: the launched family's member the text says performs
    (a card of Base and Chat rows then means the Chat row). Other families' are ignored."""
    head = plain(text[:8000])
    low = head.lower()
    if not model or not any(w in low for w in _PERFORM_WORDS):
        return []
    out: list[str] = []
    for match in _PERFORMS.finditer(head):
        name = clip(_trim(match.group(1)))
        if name and name not in out and names.compatible(name, model) and _plausible_name(name):
            out.append(name)
    return out[:3]


_RIVALS_VERBS = gates.compile_led(
    NAME,
    r"\s+(?:now\s+)?(?:achieves|scores|reaches|attains|matches|exceeds|rivals|outperforms|"
    r"surpasses|beats)\b",
)


def performing_families(text: str) -> set[str]:
    """The families whose models the text says perform (`Llama 3.1 405B scores ...`,
    `DeepSeek-V3 matches ...`, `Qwen 2.5 72B outperforms ...`): three or more is a roundup."""
    head = plain(text[:8000])
    found: set[str] = set()
    for match in _RIVALS_VERBS.finditer(head):
        name = clip(_trim(match.group(1)))
        if name and _plausible_name(name):
            found.add(names.family(names.tokens(name)))
    return found - {""}


def name_families(labels: list[str]) -> set[str]:
    """The families of the model names among some labels (a table's rows and columns)."""
    found: set[str] = set()
    for label in labels:
        name = clip(_trim(plain(label)))
        if name and _plausible_name(name) and _model_like(name):
            found.add(names.family(names.tokens(name)))
    return found - {""}


def extends(name: str, base: str) -> bool:
    grown = {t for t in names.tokens(name) if t not in names.NOISE}
    core = {t for t in names.tokens(base) if t not in names.NOISE}
    return bool(core) and core < grown and names.compatible(name, base)


def refine(base: str, text: str, launch: list[str], whole_title: bool) -> str:
    """A family name made specific: the launch sentence's `phi-3-mini` for the title's
    `Phi-3`, or the variant the text names most often (`Qwen2.5-Coder-32B-Instruct`)."""
    if not base or any(names.key(n) == names.key(base) for n in launch):
        return base
    for name in launch:
        if extends(name, base):
            return name
    if whole_title:
        return base
    counts: dict[str, int] = {}
    first: dict[str, str] = {}
    own = 0
    core = {t for t in names.tokens(base) if t not in names.NOISE}
    for match in _NAME_RE.finditer(plain(text[:20000])):
        name = clip(_trim(match.group(0)))
        if not name:
            continue
        if extends(name, base):
            key = names.key(name)
            counts[key] = counts.get(key, 0) + 1
            first.setdefault(key, name)
        elif {t for t in names.tokens(name) if t not in names.NOISE} == core:
            own += 1
    if counts:
        key = max(counts, key=lambda k: counts[k])
        if counts[key] >= 2 and counts[key] > own:
            return first[key]
    return base


def _most_mentioned(text: str, exclude: set[str]) -> str:
    """The plausible name the text mentions most often, if at least twice."""
    counts: dict[str, int] = {}
    first: dict[str, str] = {}
    for match in _NAME_RE.finditer(text):
        name = clip(_trim(match.group(0)))
        key = names.key(name)
        if name and key not in exclude and _plausible_name(name):
            counts[key] = counts.get(key, 0) + 1
            first.setdefault(key, name)
    if not counts:
        return ""
    key = max(counts, key=lambda k: counts[k])
    return first[key] if counts[key] >= 2 else ""


# `Marvin scores well above baseline on ARC-Easy`: a sentence opened by one word and a
# score verb; the word names the model when the text names it again
_SCORING_SUBJECT = gates.compile(
    r"(?:^|(?<=[.!?]\s))([A-Z][a-z]{2,}[0-9]*)\s+"
    r"(?:scores|scored|achieves|achieved|reaches|reached|attains|attained)\b",
    re.M,
)


def _scoring_subject(head: str, exclude: set[str]) -> str:
    for match in _SCORING_SUBJECT.finditer(head):
        name = match.group(1)
        if (
            _one_word(name)
            and names.key(name) not in exclude
            and len(re.findall(rf"\b{re.escape(name)}\b", head)) >= 2
        ):
            return name
    return ""


def model_name(text: str, repos: list[str], exclude: set[str], launch: list[str]) -> str:
    """The launched model's name, from launch cues, a heading, a leading name or a repo link."""
    head = plain(text[:4000])
    if launch:
        return launch[0]
    for pattern in (_THE_FAMILY, _HEADING, _LEAD, _OPENING_IS):
        for match in pattern.finditer(head):
            name = clip(_trim(match.group(1)))
            if name and _plausible_name(name) and names.key(name) not in exclude:
                return name
    common = _most_mentioned(head, exclude)
    if common:
        return common
    subject = _scoring_subject(head, exclude)
    if subject:
        return subject
    for match in _PARAGRAPH_IS.finditer(head):
        name = clip(_trim(match.group(1)))
        if name and _plausible_name(name) and names.key(name) not in exclude:
            return name
    if repos:
        return repos[0].split("/", 1)[1]
    for match in _NAME_RE.finditer(head):
        name = clip(_trim(match.group(0)))
        if (
            name
            and _plausible_name(name)
            and names.key(name) not in exclude
            and names.sizes(names.tokens(name))
        ):
            return name
    # last: `DBRX is an open large language model ...`, the opening's subject, one word the
    # text keeps naming
    opening = _OPENING_IS.search(head)
    word = clip(_trim(opening.group(1))) if opening else ""
    return word if word and _recurring_word(word, head) and names.key(word) not in exclude else ""


_BASE_WORDS = (
    "from",
    "base model",
    "tuning",
    "repurpos",
    "pruning",
    "built",
    "based",
    "top of",
    "version of",
    "tune",
    "initiali",
    "leverag",
    "model of",
    "scal",
    "integrated",
    "shoulders",
)
_AS_WORDS = ("initial policy", "base", "backbone", "starting point", "foundation", "initiali")
_FOUNDATION = re.compile(r"\s+(?:foundation|Foundation)$")


def _model_like(name: str) -> bool:
    """A name with a size, a version or a `-Base` tail names a model, not a data set."""
    toks = names.tokens(name)
    return bool(names.sizes(toks) or names.versions(toks) or "base" in toks)


def _predecessor(name: str, model: str) -> bool:
    """`Yuan2.0 is based on Yuan1.0`: an earlier version of the same family, with no size of
    its own, is the model's predecessor (a lineage), not the checkpoint it was trained from."""
    ta, tb = names.tokens(name), names.tokens(model)
    if names.sizes(ta) or names.family(ta) != names.family(tb) or not names.family(ta):
        return False
    va, vb = names.versions(ta), names.versions(tb)
    return bool(va and vb and va != vb and len(ta) == 2)


def _another_subject(text: str, cue: int, base: str, model: str) -> bool:
    """`Note that R1-Distill-32B ... was finetuned from Qwen-2.5-32B-Instruct`: the sentence
    before the cue names another model (with a size or version), not the launched one, so
    the base it gives is that model's."""
    start = max(text.rfind(mark, 0, cue) for mark in (". ", "\n", "! ", "? "))
    before = text[start + 1 : cue]
    named = [clip(_trim(m.group(0))) for m in _NAME_RE.finditer(before)]
    named = [
        n
        for n in named
        if n
        and _model_like(n)
        and names.family(names.tokens(n))  # a name, not a bare size (`8B`)
        and names.key(n) != names.key(base)
    ]
    return bool(named) and not any(names.compatible(n, model) for n in named)


def _grown_from(name: str, model: str) -> bool:
    """`SFT and DPO version based on MiniCPM-2B: MiniCPM-2B-SFT/DPO`: a name that is the
    launched model's plus words (not a date or version: `X-Base-2501` is `X-Instruct`'s base)
    was made from the launched model, not the other way round."""
    name = name.replace("/", " ")
    if not extends(name, model):
        return False
    extra = set(names.tokens(name)) - set(names.tokens(model)) - names.NOISE
    return all(token.isalpha() for token in extra)


def _group(match: re.Match[str]) -> str:
    """The first group that matched (a pattern with alternative name groups)."""
    return next((g for g in match.groups() if g), "")


def base_model(text: str, model: str = "") -> str:
    """The model this one was trained from: `fine-tuned from X`, `built upon X`,
    `a fine-tuned version of X`, `Finetuned from model: X` (the card template's field)."""
    head = plain(text[:20000])
    low = head.lower()
    # every pattern below needs one of its words: most posts skip the costly ones
    matches = [*_BASE.finditer(head)] if any(w in low for w in _BASE_WORDS) else []
    if "tune" in low:
        matches += _BASE_BEFORE.finditer(head)
    if "underl" in low or "underpin" in low or "powers it" in low:
        matches += _BASE_APPOSITIVE.finditer(head)
    if " as " in low and any(w in low for w in _AS_WORDS):
        matches += _BASE_AS.finditer(head)
    if "trained on" in low or "tuned on" in low or "trained over" in low or "tuned over" in low:
        matches += [m for m in _BASE_PRETRAINED_ON.finditer(head) if _model_like(m.group(1))]
    if "base" in low:
        matches += [m for m in _BASE_NAMED_BASE.finditer(head) if _model_like(_group(m))]
    for match in sorted(matches, key=lambda m: m.start()):
        if _ARCHITECTURE_AFTER.match(head, match.end()):
            continue
        raw = _group(match).strip(" .,:;\"”'’")
        name = raw if "/" in raw else clip(_trim(_FOUNDATION.sub("", raw)))
        # a model is not its own base; `X-Base-2501` is the base of `X-Instruct-2501` though
        # their keys (noise words dropped) are the same
        if not name or (model and names.tokens(name) == names.tokens(model)):
            continue
        if model and (_predecessor(name, model) or _grown_from(name, model)):
            continue
        if model and _another_subject(head, match.start(), name, model):
            continue
        relaxed = match.re is _BASE_PRETRAINED_ON.regex or (
            match.re is _BASE_APPOSITIVE.regex and _named_by_launch_verb(name)
        )
        if "/" in name or _plausible_name(name) or relaxed:
            return name
    return ""


def comparisons(text: str) -> list[Comparison]:
    out: list[Comparison] = []
    for match in _COMPARE.finditer(text[:20000]):
        verb = match.group(1).lower()
        relation = "beats" if verb in _BEATS else "matches"
        for part in re.split(r"\s*,\s*|\s+and\s+|\s+or\s+|\s*&\s*", match.group(2)):
            rival = _trim(part)
            if rival and _plausible_name(rival) and all(c.model != rival for c in out):
                out.append(Comparison(relation, rival))
        if len(out) >= 20:
            break
    return out


# `ranging in scale from 7 billion to 70 billion parameters`: several sizes, none stated
_SIZE_RANGE = re.compile(
    r"\d\s*(?:B|billion|M|million)?\s*(?:to|-|–|and)\s*\d+(?:\.\d+)?\s*(?:B|billion)", re.I
)


# `This model card corresponds to the 7B instruct version of the Gemma model`
_CARD_SIZE = re.compile(
    r"\b(?:card|repo(?:sitory)?|page)\s+(?:corresponds\s+to|is\s+for|contains)\s+the\s+"
    r"(\d+(?:\.\d+)?)\s*([BM])\b",
    re.I,
)


def stated_size(text: str) -> float | None:
    """The one parameter count a text states (`comprising 67 billion parameters`, `this
    model card corresponds to the 7B ... version`), or None when it states none, several,
    or a range."""
    head = text[:20000]
    card = _CARD_SIZE.search(head)
    if card:
        return names.size_b((card.group(1) + card.group(2)).lower())
    found = {names.size_b((m.group(1) + m.group(2)[0]).lower()) for m in _PARAMS.finditer(head)}
    if len(found) != 1 or _SIZE_RANGE.search(head):
        return None
    return found.pop()


def params(text: str, model: str) -> tuple[float | None, float | None]:
    """(total, active) parameters in billions.

    `671B total, 37B active`, a size in the model name (`70B`), `7 billion parameters`."""
    head = text[:20000]
    split = _PARAMS_SPLIT.search(head)
    if split:
        total, active = float(split.group(1)), float(split.group(3))
        if active < total:
            return total, active
    reverse = _ACTIVE_OF_TOTAL.search(head)
    if reverse:
        active, total = float(reverse.group(1)), float(reverse.group(2))
        if active < total:
            return total, active
    toks = names.tokens(model) if model else []
    sized = names.sizes(toks)
    if sized:
        # `8x22B` multiplies experts that share layers: the text's own total wins
        experts = any("x" in t for t in toks if names.size_b(t) is not None)
        total_match = _TOTAL.search(head) if experts else None
        return (float(total_match.group(1)) if total_match else max(sized)), None
    match = _PARAMS.search(text[:20000])
    if match:
        token = (match.group(1) + match.group(2)[0]).lower()
        return names.size_b(token), None
    return None, None


def _link_kind(url: str) -> tuple[str, str]:
    if not url.startswith("http"):
        url = "https://" + url
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    path = [p for p in parts.path.split("/") if p]
    low = url.lower()
    if host in {"huggingface.co", "www.huggingface.co", "hf.co"}:
        if path[:1] == ["spaces"]:
            return "demo", url
        if path[:1] == ["papers"]:
            return "paper", url
        if len(path) >= 2 and path[0] not in {"datasets", "blog", "docs", "collections", "api"}:
            return "hf_repo", f"https://huggingface.co/{path[0]}/{path[1]}"
        return "other", url
    if host.endswith(("arxiv.org", "openreview.net", "aclanthology.org")) or low.endswith(".pdf"):
        return "paper", url
    if (
        host.startswith("api.")
        or "/v1" in parts.path
        or "/api/" in parts.path
        or "chat/completions" in low
    ):
        return "endpoint", url
    if (
        "demo" in low
        or "playground" in low
        or host.startswith("chat.")
        or host.endswith("gradio.live")
    ):
        return "demo", url
    return "other", url


def links(text: str, limit: int = 50) -> list[Link]:
    out: list[Link] = []
    seen: set[str] = set()
    for match in _URL.finditer(text):
        raw = match.group(0).rstrip(".,;:!?*_")
        kind, url = _link_kind(raw)
        if url not in seen:
            seen.add(url)
            out.append(Link(kind, url[:500]))
        if len(out) >= limit:
            break
    return out


def open_weights(text: str) -> bool:
    return _OPEN.search(text[:20000]) is not None


def license_in(text: str) -> str:
    match = _LICENSE.search(text[:20000])
    return re.sub(r"\s+", "-", match.group(1).lower()) if match else ""


_SENTENCE_END = re.compile(r"[.!?](?!\d)\s|\n")
# `It achieves ...`, `Under CoT and TIR settings, it achieves ...`: the model of the last sentence
_BACK_REFERENCE = re.compile(r"\s*(?:[^.,\n]{0,60},\s*)?(?:it|this model|the model)\s", re.I)


_SIZE_WORD = r"(?<![\w.])(\d+(?:\.\d+)?[BM])"  # `72B`, `1.5B` standing alone
_ANY_SIZE = re.compile(_SIZE_WORD + r"(?![\w.])")


@functools.lru_cache(maxsize=16)
def _other_sizes(text: str, own: frozenset[float]) -> bool:
    """Does the text name any size but the launched model's? (Most texts do not: then no
    sentence needs reading.)"""
    return any(names.size_b(m.lower()) not in own for m in _ANY_SIZE.findall(text))


_SIBLING_SIZE = re.compile(_SIZE_WORD + r"\s+(?:model|version|variant)\b")


def _sentence_at(text: str, at: int) -> tuple[int, int]:
    start = max((m.end() for m in _SENTENCE_END.finditer(text, max(0, at - 600), at)), default=0)
    end = _SENTENCE_END.search(text, at)
    return start, end.start() if end else len(text)


def another_size(text: str, at: int, model: str) -> bool:
    """The sentence holding offset `at` speaks of another size of the launched model's family
    and not of the launched size: `Qwen2.5-Math-7B-Instruct surpasses ... it achieves MATH
    scores of 83.6` is the 7B's number on a card launching the 72B. A sentence opening with
    `it` or `this model` also looks at the sentence before."""
    own = names.tokens(model)
    own_sizes = names.sizes(own)
    if at < 0 or not own_sizes or not _other_sizes(text, frozenset(own_sizes)):
        return False
    start, end = _sentence_at(text, at)
    spans = [(start, end)]
    if start > 1 and _BACK_REFERENCE.match(text, start):
        spans.append(_sentence_at(text, start - 2))
    other = False
    for lo, hi in spans:
        sized = [clip(m.group(0)) for m in _NAME_RE.finditer(text, lo, hi)]
        sized = [name for name in sized if names.sizes(names.tokens(name))]
        for name in sized:
            if names.compatible(name, model):
                return False
            other = other or names.family(names.tokens(name)) == names.family(own)
        # `our smallest 1.5B model`, when the sentence names no model
        for match in [] if sized else _SIBLING_SIZE.finditer(text, lo, hi):
            if names.size_b(match.group(1).lower()) in own_sizes:
                return False
            other = True
    return other


# `Llama-3-8B scores 66.6`: a name right before a scoring verb is the subject of its value
# (`Llama 3.3 70B outperformed both, with 71%`: the one ahead owns the value after it)
_SUBJECT_VERB = re.compile(
    r"\s+(?:also\s+|only\s+|now\s+|just\s+)?(?:"
    + "|".join(sorted(SCORE_VERBS))
    + r"|outperform(?:s|ed)|surpass(?:es|ed)|beat|beats|exceed(?:s|ed)|top(?:s|ped)|led|leads)\b"
)


_SUBJECT_GATE = re.compile(_SUBJECT_VERB.pattern[len(r"\s+") :])


def rival_subject(text: str, at: int, model: str) -> bool:
    """The value at offset `at` belongs to another model: in its sentence, the last name
    before it that a scoring verb follows is not the launched model (`Llama-3-8B scores 66.6
    on MMLU, while Wren-7B scores 71.2` gives Llama's 66.6 to nobody, Wren's 71.2 to Wren)."""
    if at < 0 or not model:
        return False
    start, end = _sentence_at(text, at)
    owner = _OWNER_AFTER.match(text, at, min(end, at + 80))
    if owner is not None:
        # `67.4/39.2 (MMLU/MMLU-PRO) for Falcon3-7B-Base`: the name after the values owns them
        # (a sized name, when the launched one has no size, may be any of its sizes)
        named = clip(_trim(owner.group(1)))
        sized = bool(names.sizes(names.tokens(named))) and not names.sizes(names.tokens(model))
        return _another_model(named, model) or (sized and _model_like(named))
    if not _SUBJECT_GATE.search(text, start, at):
        return False  # no scoring verb before the value: nobody is its subject
    subject = ""
    for match in _NAME_RE.finditer(text, start, at):
        if _SUBJECT_VERB.match(text, match.end()):
            # `Our Sable-70B gets 87.1`: the owner speaks of its own model
            before = text[max(start, match.start() - 4) : match.start()].lower()
            owned = before == "our " or match.group(0).lower().startswith("our ")
            subject = "" if owned else clip(_trim(match.group(0)))
    return _another_model(subject, model)


def _another_model(name: str, model: str) -> bool:
    """Is `name` a model other than the launched `model`? (`K2` for `Kimi K2` is not: a
    short form of the launched name.)"""
    own = names.tokens(name)
    if not name or not _model_like(name) or not names.family(own):
        return False
    return not names.compatible(name, model) and not set(own) <= set(names.tokens(model))


# after a value, its settings and benchmarks in parentheses, `for X`: X owns the value
_OWNER_AFTER = re.compile(
    r"[\d.,%/]+\s*(?:\([^()]{0,60}\)\s*)?(?:on\s+[^,;()]{0,40}?\s+)?for\s+(?:the\s+)?(" + NAME + ")"
)


# `on par with much larger models`: a relation to others, named or not
_RELATIVE = gates.compile(r"\b(?i:" + _RELATION + r")\b")


def asserts_relative(text: str) -> bool:
    """Does the text place the model against others (`outperforms`, `on par with`)?"""
    return _RELATIVE.search(text[:20000]) is not None
