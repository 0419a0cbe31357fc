"""Answer phrasings in many languages, vendored from two well-kept evaluators (data only).

* `SIMPLE_EVALS_ANSWER_PREFIXES` and `SIMPLE_EVALS_LETTERS`: openai/simple-evals,
  common.py (`MULTILINGUAL_ANSWER_REGEXES`, `normalize_extracted_answer`), commit
  01ac108d27478a71ead72e966d68810a18a776fb. `SIMPLE_EVALS_MGSM_PREFIXES`: the same
  repository, mgsm_eval.py (`LANG_TO_ANSWER_PREFIX`), commit
  06379826668f9bcf3fcc826d463a2ef0c687af1f. MIT License, Copyright (c) 2024 OpenAI.
* `MMLU_PROX_ANSWER_IS`: EleutherAI/lm-evaluation-harness,
  lm_eval/tasks/mmlu_prox/lang_libs.py (the "the answer is ({})" entry of `LANG_LIBS`),
  commit 9d325d9933aaba510ef82fd9eda12cdcf29b4475. MIT License, Copyright (c) 2020
  EleutherAI.

Both licences allow copying with the copyright and permission notice, which
docs/benchmark.md ("Answer phrasings: sources") carries. The strings are kept
as published (the prefixes are regular-expression fragments there and here);
`answers.py` builds its patterns from them. Add languages by updating from the
sources, not by hand.
"""

from __future__ import annotations

# simple-evals MULTILINGUAL_ANSWER_REGEXES: how "Answer:" is written in many languages.
SIMPLE_EVALS_ANSWER_PREFIXES: tuple[str, ...] = (
    "Answer\\s*:",
    "Answer\\s*:\u200b\u200b\u200b\u200b\u200b\u200b",
    "উত্তর\\s*:",
    "उत्तर\\s*:",
    "উত্তরঃ",
    "উত্তর\\s*:",
    "Antwort\\s*:",
    "답변\\s*:",
    "정답\\s*:",
    "답\\s*:",
    "答案\\s*：",
    "答案\\s*:",
    "答\\s*：",
    "答\\s*:",
    "答复\\s*：",
    "答曰\\s*：",
    "الإجابة:",
    "الجواب:",
    "إجابة:",
    "الإجابة النهائية:",
    "الإجابة الصحيحة:",
    "الإجابة الصحيحة هي:",
    "الإجابة هي:",
    "الجواب النهائي:",
    "Respuesta\\s*:",
    "Risposta\\s*:",
    "答え\\s*:",
    "答え\\s*：",
    "回答\\s*:",
    "回答\\s*：",
    "解答\\s*:",
    "Jawaban\\s*:",
    "Réponse\\s*:",
    "Resposta\\s*:",
    "Jibu\\s*:",
    "Idahun\\s*:",
    "Ìdáhùn\\s*:",
    "Idáhùn\\s*:",
    "Àmọ̀nà\\s*:",
    "Àdáhùn\\s*:",
    "Ànúgọ\\s*:",
    "Àṣàyàn\\s*:",
)

# simple-evals normalize_extracted_answer: letters some scripts use for options A-D.
SIMPLE_EVALS_LETTERS: dict[str, str] = {
    "أ": "A",
    "ب": "B",
    "ج": "C",
    "د": "D",
    "অ": "A",
    "ব": "B",
    "ড": "C",
    "ঢ": "D",
    "Ａ": "A",
    "Ｂ": "B",
    "Ｃ": "C",
    "Ｄ": "D",
}

# simple-evals mgsm_eval.py LANG_TO_ANSWER_PREFIX: "Answer" before a number.
SIMPLE_EVALS_MGSM_PREFIXES: dict[str, str] = {
    "en": "Answer",
    "bn": "উত্তর",
    "de": "Antwort",
    "es": "Respuesta",
    "fr": "Réponse",
    "ja": "答え",
    "ru": "Ответ",
    "sw": "Jibu",
    "te": "సమాధానం",
    "th": "คำตอบ",
    "zh": "答案",
}

# lm-evaluation-harness MMLU-ProX: "the answer is (X)" per language, {} the letter.
MMLU_PROX_ANSWER_IS: dict[str, str] = {
    "en": "the answer is ({})",
    "ja": "答えは ({}) です",
    "zh": "答案是 ({})",
    "ko": "답은 ({})입니다",
    "fr": "La réponse est ({})",
    "de": "Die Antwort ist ({})",
    "es": "La respuesta es ({})",
    "pt": "A resposta é ({})",
    "zu": "Impendulo ithi ({})",
    "sw": "Jibu ni ({})",
    "wo": "Tontu bi mooy ({})",
    "yo": "Ìdáhùn náà ni ({})",
    "th": "คำตอบคือ ({})",
    "ar": "الإجابة هي ({})",
    "hi": "उत्तर है ({})",
    "bn": "উত্তর হল ({})",
    "mr": "उत्तर आहे ({})",
    "ne": "उत्तर ({}) हो।",
    "af": "Die antwoord is ({})",
    "te": "సమాధానం ({})",
    "ur": "جواب ({}) ہے",
    "ru": "Ответ - ({})",
    "id": "Jawabannya adalah ({})",
    "vi": "Câu trả lời là ({})",
    "cs": "Odpověď je ({})",
    "hu": "A válasz ({})",
    "it": "La risposta è ({})",
    "sr": "Odgovor je ({})",
    "uk": "Відповідь: ({})",
}
