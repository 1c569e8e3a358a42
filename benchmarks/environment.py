"""Hardware, software and provenance for the report header."""

import datetime
import os
import platform
import shlex
import subprocess
import sys
from importlib import metadata
from pathlib import Path

__all__ = ["describe"]

_PACKAGES = (
    "skdvae",
    "numpy",
    "scipy",
    "scikit-learn",
    "torch",
    "skorch",
    "umap-learn",
    "pynndescent",
    "numba",
    "POT",
    "ripser",
    "pyamg",
    "matplotlib",
    "pydiffmap",
)
_REPO_ROOT = Path(__file__).resolve().parent.parent


def _cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gb():
    try:
        import psutil

        return round(psutil.virtual_memory().total / 1024.0**3, 1)
    except ImportError:
        return None


def _version(name):
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _git():
    def git(*args):
        return subprocess.run(
            ["git", *args], cwd=_REPO_ROOT, capture_output=True, text=True, timeout=30
        ).stdout.strip()

    try:
        commit = git("rev-parse", "--short", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return (
        f"{commit}{' (uncommitted changes)' if dirty else ''}" if commit else "unknown"
    )


def describe(profile, argv=None):
    """Return the provenance of a run as a JSON-ready dictionary.

    Parameters
    ----------
    profile : benchmarks.profiles.Profile
        The profile being run.
    argv : list of str or None, default=None
        Command-line arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    meta : dict
        ``date``, ``command``, ``profile``, ``hardware`` (CPU model, logical
        cores, usable cores, memory), ``python``, ``platform``, ``packages``
        and ``git`` commit.
    """
    argv = sys.argv[1:] if argv is None else argv
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds"
        ),
        "command": "python -m benchmarks " + shlex.join(argv),
        "profile": profile.name,
        "profile_description": profile.description,
        "hardware": {
            "cpu": _cpu_model(),
            "logical_cores": os.cpu_count(),
            "usable_cores": usable,
            "memory_gb": _memory_gb(),
        },
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": {name: _version(name) for name in _PACKAGES},
        "git": _git(),
    }
