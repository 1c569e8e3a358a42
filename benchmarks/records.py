"""What a study's report keeps about each run, and its hand-written notes.

The studies that merge several runs into one report (``bench_image_quality``,
``bench_layout``) record for each run the command, commit, date and load, and
keep the "what the numbers say" section a person wrote under the tables when
they rewrite the report.
"""

import os
import shlex
import subprocess
import time
from pathlib import Path

NOTES_MARKER = "## What the numbers say\n"


def git_commit():
    """The short hash of the benchmarks' checkout ("" outside a git checkout)."""
    return subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent,
    ).stdout.strip()


def run_record(module, argv):
    """Command, commit, date, load average and CPU count of this run.

    Parameters
    ----------
    module : str
        The study's module, as passed to ``python -m``.
    argv : list of str
        Its command-line arguments.

    Returns
    -------
    record : dict
        ``command`` (with the thread variables that were set, arguments
        quoted for a POSIX shell), ``commit``,
        ``date`` (UTC), ``loadavg`` (1, 5, 15 minutes) and ``cpus``.
    """
    threads = " ".join(
        f"{k}={os.environ[k]}"
        for k in ("OMP_NUM_THREADS", "NUMBA_NUM_THREADS")
        if k in os.environ
    )
    return {
        "command": " ".join([threads, f"python -m {module}", shlex.join(argv)]).strip(),
        "commit": git_commit(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "loadavg": ", ".join(f"{x:.2f}" for x in os.getloadavg()),
        "cpus": os.cpu_count(),
    }


def kept_notes(path):
    """The notes under :data:`NOTES_MARKER` in the report at ``path``, or ""."""
    text = path.read_text() if path.exists() else ""
    return text.split(NOTES_MARKER, 1)[1] if NOTES_MARKER in text else ""
