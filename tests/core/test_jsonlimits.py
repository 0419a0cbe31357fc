"""hypewatch.jsonlimits: depth, integer length and size limits, and nothing else changed."""

from __future__ import annotations

import json

import pytest

from hypewatch.errors import InputError
from hypewatch.jsonlimits import MAX_DEPTH, JsonLimitError, check, loads


@pytest.mark.parametrize(
    "text",
    [
        '{"a": [1, 2.5e-300, -3, true, null, "x"]}',
        '["\\\\", [[1]]]',  # an escaped backslash right before a closing quote
        '{"a": "\\"]]]]"}',  # brackets and an escaped quote inside a string
        '["\\u005b", "[[[[[[", "{{{{"]',
        "[1." + "9" * 200 + "e-" + "1" * 100 + "]",  # long fraction and exponent: floats
        '["' + "9" * 500 + '"]',  # a long number inside a string is text
        "[" * MAX_DEPTH + "]" * MAX_DEPTH,
        "-" + "9" * 64,
    ],
)
def test_valid_json_within_limits_reads_as_json_loads(text: str) -> None:
    assert loads(text, what="x") == json.loads(text)
    assert loads(text.encode(), what="x") == json.loads(text)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), f"nested {MAX_DEPTH + 1} levels"),
        ('{"a": ' * 100_000 + "1" + "}" * 100_000, "nested 100000 levels"),
        ('["]", ' + "[" * 70 + "]" * 70 + "]", "nested 71 levels"),  # a string's bracket
        ('{"n": ' + "1" * 5000 + "}", "longer than 64 digits"),
        ("[-" + "7" * 65 + "]", "longer than 64 digits"),
        ("9" * 65, "longer than 64 digits"),
    ],
)
def test_beyond_the_limits_is_a_clear_input_error(text: str, says: str) -> None:
    with pytest.raises(JsonLimitError, match=says) as caught:
        loads(text, what="the reply from http://x")
    assert isinstance(caught.value, InputError)
    assert "the reply from http://x" in str(caught.value)


def test_size_limit_and_malformed_json() -> None:
    with pytest.raises(JsonLimitError, match="the limit is 10"):
        check(b'{"a": "0123456789"}', what="x", max_bytes=10)
    with pytest.raises(json.JSONDecodeError):
        loads("{not json", what="x")
    assert loads('{"a": [[1]]}', what="x", max_depth=3) == {"a": [[1]]}
    with pytest.raises(JsonLimitError):
        loads('{"a": [[1]]}', what="x", max_depth=2)
