"""hypewatch.jsonlimits: depth, integer length and size limits, and nothing else changed."""

from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
        ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), f"deeper than {MAX_DEPTH} levels"),
        ('{"a": ' * 100_000 + "1" + "}" * 100_000, "deeper than 64 levels"),
        ('["]", ' + "[" * 70 + "]" * 70 + "]", "deeper than 64 levels"),  # a string's bracket
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


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(_JSON)
def test_any_json_document_within_limits_reads_back(document: object) -> None:
    text = json.dumps(document)
    assert loads(text, what="x") == json.loads(text)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_raise_only_documented_errors(data: bytes) -> None:
    # JSONDecodeError and UnicodeDecodeError are ValueErrors; nothing else may escape
    with contextlib.suppress(JsonLimitError, ValueError):
        loads(data, what="x", max_depth=3)
