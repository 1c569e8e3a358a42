"""Shared state of a benchmark run: profile, output folders, progress lines."""

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.measure import measure
from benchmarks.peers import PEERS, peer_status

__all__ = ["Context", "Progress"]


class Progress:
    """Plain progress lines with the elapsed time, on standard error.

    Parameters
    ----------
    stream : file-like, default=sys.stderr
        Where the lines go.
    """

    def __init__(self, stream=None):
        self.stream = sys.stderr if stream is None else stream
        self.start = time.perf_counter()

    def elapsed(self):
        """Seconds since the run started."""
        return time.perf_counter() - self.start

    def __call__(self, *parts):
        """Print one line: elapsed minutes:seconds, then ``parts``."""
        minutes, seconds = divmod(int(self.elapsed()), 60)
        text = "  ".join(str(p) for p in parts)
        print(f"[{minutes:3d}:{seconds:02d}] {text}", file=self.stream, flush=True)


def describe(result):
    """One-line summary of a :class:`~benchmarks.measure.Measurement`."""
    if not result.ok:
        first = (result.error or "").strip().splitlines()
        return f"{result.status.upper()}: {first[-1] if first else ''}"
    fit = result.time_s.get("fit", float("nan"))
    mem = result.peak_mb.get("fit", float("nan"))
    return f"fit {fit:.2f} s, peak {mem:.0f} MiB (total {result.wall_s:.0f} s)"


@dataclass
class Context:
    """What every section needs: the profile, where to write, how to report.

    Attributes
    ----------
    profile : benchmarks.profiles.Profile
        The configuration.
    out : pathlib.Path
        Output folder (report, JSON, ``figures/``).
    work : pathlib.Path
        Scratch folder for data handed to child processes.
    progress : Progress
        Progress printer.
    status : dict
        Peer name to ``(ok, detail)``, filled lazily.
    """

    profile: object
    out: Path
    work: Path
    progress: Progress = field(default_factory=Progress)
    status: dict = field(default_factory=dict)

    @property
    def figures(self):
        """Folder of the PNG figures (created on first use)."""
        path = self.out / "figures"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def available(self, method):
        """``(ok, detail)`` for peer ``method``, cached."""
        if method not in self.status:
            self.status[method] = peer_status(method)
        return self.status[method]

    def run(
        self,
        label,
        method,
        n_components,
        paths,
        steps,
        params=None,
        seed=0,
        timeout=None,
    ):
        """Measure ``method`` in a child process and print a progress line."""
        result = measure(
            method,
            n_components,
            paths,
            self.work,
            steps=steps,
            params=params,
            random_state=seed,
            sample_seed=seed,
            timeout=timeout or self.profile.timeout,
            memory_limit_mb=self.profile.memory_limit_mb,
            warmup=self.profile.warmup and PEERS[method].numba,
            isolate=self.profile.isolate,
        )
        self.progress(label, method, describe(result))
        return result
