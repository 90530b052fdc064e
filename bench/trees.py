"""Running a benchmark on an older commit beside this checkout: a temporary git worktree of the ref, and a child
Python that imports the measured tree's package instead of this checkout's editable install."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: ``python -c RUNNER script args...`` runs ``script`` with TFO_BENCH_TREE's package first on sys.path (and the
#: script's directory, for this module).
RUNNER = (
    "import os, runpy, sys\n"
    "sys.meta_path[:] = [f for f in sys.meta_path if 'editable' not in repr(f).lower()]\n"
    "sys.path.insert(0, os.environ['TFO_BENCH_TREE'])\n"
    "sys.argv = sys.argv[1:]\n"
    "sys.path.insert(0, os.path.dirname(sys.argv[0]))\n"
    "runpy.run_path(sys.argv[0], run_name='__main__')\n"
)


def python_in(tree: Path, script: Path, *args: str) -> tuple[list[str], dict[str, str]]:
    """(argv, env) running ``script`` with ``args`` on ``tree``'s package."""
    return [sys.executable, "-c", RUNNER, str(script), *args], {**os.environ, "TFO_BENCH_TREE": str(tree)}


@contextlib.contextmanager
def checked_out(ref: str) -> Iterator[Path]:
    """A temporary worktree of ``ref`` (removed afterwards)."""
    tree = Path(tempfile.mkdtemp(prefix="tfo-bench-ref-")) / "tree"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), ref], check=True,
                   capture_output=True)  # fmt: skip
    try:
        yield tree
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], capture_output=True)
        shutil.rmtree(tree.parent, ignore_errors=True)
