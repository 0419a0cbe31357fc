"""The `extract`: claim extraction on the user's own posts."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from hypewatch.cli.common import (
    InputError,
    JsonOpt,
    app,
    emit_json,
    handle_errors,
    state,
)

# -- extract: claim extraction (issue 4) --
# (section start)


def _warn(message: str) -> None:
    sys.stderr.write(f"warning: {message}\n")


@app.command()
@handle_errors
def extract(
    file: Annotated[
        Path,
        typer.Argument(
            help='JSONL of {"id","source","text"} (source x, reddit, huggingface or web); '
            "- for stdin."
        ),
    ],
    json_out: JsonOpt = False,
) -> None:
    """Extract claims: one JSON line per post (id, is_claim, model, params_b, base_model,
    scores, comparisons, links, flags). Bad lines are skipped with a warning on stderr."""
    del json_out  # the output is JSON lines either way (the contract)
    path = None if str(file) == "-" else file
    if path is not None and not path.is_file():  # before spaCy loads: a typo costs nothing
        raise InputError(f"{file} is not a readable file; give a JSONL file of posts")
    # Imported here so that other commands do not pay for loading spaCy.
    from hypewatch.extractors.batch import extract_file
    from hypewatch.extractors.extractor import Extractor

    extractor = Extractor(state.settings.extraction)
    for extraction in extract_file(path, extractor, _warn, stdin=sys.stdin.buffer):
        emit_json(extraction.to_json())


# (section end)
