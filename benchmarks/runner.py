"""Run a benchmark profile end to end: context, provenance, sections, report.

- :class:`Progress` and :class:`Context`: what every section needs (the
  profile, where to write, how to measure a method and report progress);
- :func:`describe_environment`: hardware, software and provenance for the
  report header;
- :func:`run`: the sections in report order, the list of problems, the
  target verdicts, then the Markdown report, the JSON results and figures.
"""

import datetime
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from threadpoolctl import threadpool_limits

from benchmarks import embeddings, generative, real, report, targets
from benchmarks.data import DataUnavailable
from benchmarks.measure import measure
from benchmarks.peers import PEERS, peer_status
from benchmarks.profiles import get_profile

__all__ = [
    "SECTIONS",
    "Context",
    "Progress",
    "default_out",
    "describe_environment",
    "run",
]


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


def _describe_measurement(result):
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

    def unavailable(self, method):
        """The report row of ``method`` if it cannot run here, else None."""
        ok, detail = self.available(method)
        if ok:
            return None
        return {"method": method, "status": "unavailable", "error": detail}

    def case(self, label, dataset, func, *args):
        """``func(self, *args)``, or a ``skipped`` entry if data are missing."""
        try:
            return func(self, *args)
        except DataUnavailable as exc:
            self.progress(label, "SKIPPED", exc)
            return {"dataset": dataset, "skipped": str(exc)}

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
        """Measure ``method`` in a child process and print a progress line.

        ``params`` add to the profile's own settings of the method (the
        VAEs' shared budget, :meth:`~benchmarks.profiles.Profile.method_params`).
        """
        result = measure(
            method,
            n_components,
            paths,
            self.work,
            steps=steps,
            params={**self.profile.method_params(method), **(params or {})},
            random_state=seed,
            sample_seed=seed,
            timeout=timeout or self.profile.timeout,
            memory_limit_mb=self.profile.memory_limit_mb,
            warmup=self.profile.warmup and PEERS[method].numba,
            isolate=self.profile.isolate,
        )
        self.progress(label, method, _describe_measurement(result))
        return result


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


def describe_environment(profile, argv=None):
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


#: Sections in report order, with the function that runs each.
SECTIONS = {
    "generative": generative.run_synthetic,
    "real": real.run_real,
    "manifold": embeddings.run_manifold,
    "scale": embeddings.run_scale,
    "pipelines": embeddings.run_pipelines,
}
_RESULTS_ROOT = Path(__file__).resolve().parent / "results"


def default_out(profile_name):
    """Default output folder: ``benchmarks/results/<profile>`` (tiny: ``tmp/``)."""
    if profile_name == "tiny":
        return _RESULTS_ROOT / "tmp" / "tiny"
    return _RESULTS_ROOT / profile_name


def _problems(sections):
    """Every row that did not finish, as one line each."""
    found = []

    def visit(obj, where):
        if isinstance(obj, dict):
            if "method" in obj and obj.get("status") not in (None, "ok"):
                error = (obj.get("error") or "").strip().splitlines()
                last = error[-1][:200] if error else ""
                found.append(f"{where}: {obj['method']}: {obj['status']} ({last})")
            if obj.get("skipped"):
                found.append(
                    f"{where} {obj.get('dataset', '')}: skipped: {obj['skipped']}"
                )
            if "dataset" in obj:
                where = f"{where} {obj.get('label', obj['dataset'])}"
            for value in obj.values():
                visit(value, where)
        elif isinstance(obj, list):
            for value in obj:
                visit(value, where)

    for name, section in sections.items():
        visit({k: v for k, v in section.items() if k != "summary"}, name)
    return list(dict.fromkeys(found))


def _run_section(ctx, name, func, results, out):
    ctx.progress(f"== {name}")
    start = time.perf_counter()
    try:
        section = func(ctx)
    except Exception:  # one failing section must not lose the others
        section = {"error": traceback.format_exc()}
        ctx.progress(f"== {name} FAILED", section["error"].strip().splitlines()[-1])
    section["elapsed_s"] = time.perf_counter() - start
    results["sections"][name] = section
    report.write_json(out / "results.json", results)  # keep partial results


def _clean(out):
    figures = out / "figures"
    if figures.is_dir():
        for png in figures.glob("*.png"):
            png.unlink()


def run(profile_name, out=None, sections=None, argv=None, stream=None):
    """Run profile ``profile_name`` and write its report.

    Parameters
    ----------
    profile_name : {"tiny", "quick", "full"} or Profile
        Profile to run (a :class:`~benchmarks.profiles.Profile` runs a custom
        configuration).
    out : path-like or None, default=None
        Output folder; default :func:`default_out`.
    sections : iterable of str or None, default=None
        Subset of :data:`SECTIONS` to run (all by default).
    argv : list of str or None, default=None
        Command-line arguments, recorded in the report header.
    stream : file-like or None, default=None
        Where progress lines go (standard error by default).

    Returns
    -------
    report_path, json_path : pathlib.Path
        The written Markdown report and JSON results.
    """
    profile = profile_name
    if isinstance(profile_name, str):
        profile = get_profile(profile_name)
    names = list(SECTIONS) if sections is None else list(sections)
    unknown = set(names) - set(SECTIONS)
    if unknown:
        raise ValueError(
            f"Unknown sections {sorted(unknown)}; choose from {list(SECTIONS)}."
        )
    out = Path(out) if out is not None else default_out(profile.name)
    out.mkdir(parents=True, exist_ok=True)
    _clean(out)
    results = {"meta": describe_environment(profile, argv), "sections": {}}
    results["meta"]["isolated"] = profile.isolate
    progress = Progress(stream)
    progress(f"profile {profile.name}: {profile.description}; output in {out}")
    blas = threadpool_limits(limits=profile.blas_threads)  # None: no limit
    with tempfile.TemporaryDirectory(prefix="skdvae-bench-") as work, blas:
        ctx = Context(profile, out, Path(work), progress)
        for name in names:
            _run_section(ctx, name, SECTIONS[name], results, out)
        results["peers"] = {m: ctx.available(m) for m in PEERS}
    results["problems"] = _problems(results["sections"])
    results["targets"] = targets.evaluate(results)
    results["meta"]["elapsed_s"] = progress.elapsed()
    paths = report.write(out, results)
    progress(f"done in {progress.elapsed() / 60:.1f} min")
    progress(f"report:  {paths[0]}")
    progress(f"results: {paths[1]}")
    progress(f"figures: {out / 'figures'}")
    return paths
