"""Run a benchmark profile end to end: context, provenance, sections, report.

- :class:`Context`: what every section needs (the profile, where to write,
  how to measure a method and report progress);
- :func:`describe_environment`: hardware, software and provenance for the
  report header;
- :func:`planned_fits`: every fit the profile will run, for the progress
  bar (:mod:`benchmarks.progress`), weighted by the fit times of the
  committed reference run of the profile when it has them;
- :func:`run`: the sections in report order, the list of problems, the
  target verdicts, then the Markdown report, the JSON results and figures.

By default a run writes to ``benchmarks/output/<profile>/``, which git
ignores; the committed reference reports in ``benchmarks/results/<profile>/``
change only when a run is pointed there with ``--output``.
"""

import datetime
import json
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
from benchmarks.progress import Progress, expected_costs
from benchmarks.report_tables import clip

__all__ = [
    "SECTIONS",
    "Context",
    "default_out",
    "describe_environment",
    "planned_fits",
    "reference_times",
    "run",
]


def _describe_measurement(result):
    """One-line summary of a :class:`~benchmarks.measure.Measurement`."""
    if not result.ok:
        first = (result.error or "").strip().splitlines()
        return f"{result.status.upper()}: {clip(first[-1]) if first else ''}"
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
    progress: Progress = field(default_factory=lambda: Progress(refresh=None))
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
            self.progress.drop(label)
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
        """Measure ``method`` in a child process, showing progress.

        ``params`` add to the profile's own settings of the method (the
        VAEs' shared budget, :meth:`~benchmarks.profiles.Profile.method_params`).
        """
        self.progress.start(label, method)
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
        self.progress.done(label, method, _describe_measurement(result))
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


def _git(exclude=None):
    """Short commit, with "(uncommitted changes)" if tracked files differ.

    Untracked files never count, nor does anything under ``exclude`` (the
    run's own output folder, which a rerun of a committed reference rewrites).
    """

    def git(*args):
        return subprocess.run(
            ["git", *args], cwd=_REPO_ROOT, capture_output=True, text=True, timeout=30
        ).stdout.strip()

    pathspec = ["--", "."]
    if exclude is not None:
        try:
            inside = Path(exclude).resolve().relative_to(_REPO_ROOT)
            pathspec.append(f":(exclude){inside.as_posix()}")
        except ValueError:  # outside the repository: nothing to leave out
            pass
    try:
        commit = git("rev-parse", "--short", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no", *pathspec))
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return (
        f"{commit}{' (uncommitted changes)' if dirty else ''}" if commit else "unknown"
    )


def describe_environment(profile, argv=None, out=None):
    """Return the provenance of a run as a JSON-ready dictionary.

    Parameters
    ----------
    profile : benchmarks.profiles.Profile
        The profile being run.
    argv : list of str or None, default=None
        Command-line arguments (default: ``sys.argv[1:]``).
    out : path-like or None, default=None
        The run's output folder: changes there do not count as uncommitted
        changes of the code.

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
        "git": _git(out),
    }


#: Sections in report order, with the function that runs each.
SECTIONS = {
    "generative": generative.run_synthetic,
    "real": real.run_real,
    "manifold": embeddings.run_manifold,
    "scale": embeddings.run_scale,
    "pipelines": embeddings.run_pipelines,
}
#: Sections with the function that lists their fits, ``plan(profile)``.
PLANS = {
    "generative": generative.plan,
    "real": real.plan,
    "manifold": embeddings.plan_manifold,
    "scale": embeddings.plan_scale,
    "pipelines": embeddings.plan_pipelines,
}
_BENCH_ROOT = Path(__file__).resolve().parent


def default_out(profile_name):
    """Default output folder: ``benchmarks/output/<profile>`` (git-ignored)."""
    return _BENCH_ROOT / "output" / profile_name


def reference_path(profile_name):
    """Results of the committed reference run: ``benchmarks/results/<profile>``."""
    return _BENCH_ROOT / "results" / profile_name / "results.json"


def reference_times(path):
    """Seconds each fit took in the run whose ``results.json`` is ``path``.

    Returns
    -------
    times : dict
        ``(label, method) -> seconds``; empty if the file is missing,
        unreadable or has no fit times.
    """
    try:
        steps = json.loads(Path(path).read_text()).get("fit_times", [])
        return {(label, method): float(sec) for label, method, sec in steps}
    except (OSError, ValueError, TypeError, AttributeError):
        return {}


def planned_fits(profile, names, available):
    """Every fit of sections ``names`` in run order, as ``(label, method)``.

    Fits of a method that ``available(method)`` reports as missing are left
    out, as the sections leave them out.
    """
    keys = [key for name in names for key in PLANS[name](profile)]
    return [k for k in keys if k[1] not in PEERS or available(k[1])[0]]


def _problems(sections):
    """Every row that did not finish, as one line each."""
    found = []

    def visit(obj, where):
        if isinstance(obj, dict):
            if "method" in obj and obj.get("status") not in (None, "ok"):
                error = (obj.get("error") or "").strip().splitlines()
                last = clip(error[-1], 200) if error else ""
                seed = f" (seed {obj['seed']})" if "seed" in obj else ""
                found.append(
                    f"{where}: {obj['method']}{seed}: {obj['status']} ({last})"
                )
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
    ctx.progress.drop(name)  # fits of the section that did not run
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
    profile_name : str or Profile
        Name of a profile (a key of :data:`~benchmarks.profiles.PROFILES`),
        or a :class:`~benchmarks.profiles.Profile` for a custom configuration.
    out : path-like or None, default=None
        Output folder; default :func:`default_out`.
    sections : iterable of str or None, default=None
        Subset of :data:`SECTIONS` to run (default: the profile's
        ``sections``, or all).
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
    if sections is None:
        sections = profile.sections or SECTIONS
    names = list(sections)
    unknown = set(names) - set(SECTIONS)
    if unknown:
        raise ValueError(
            f"Unknown sections {sorted(unknown)}; choose from {list(SECTIONS)}."
        )
    out = Path(out) if out is not None else default_out(profile.name)
    results = {"meta": describe_environment(profile, argv, out), "sections": {}}
    results["meta"]["isolated"] = profile.isolate
    out.mkdir(parents=True, exist_ok=True)
    _clean(out)
    progress = Progress(stream)
    progress(f"profile {profile.name}: {profile.description}; output in {out}")
    blas = threadpool_limits(limits=profile.blas_threads)  # None: no limit
    try:
        with tempfile.TemporaryDirectory(prefix="skdvae-bench-") as work, blas:
            ctx = Context(profile, out, Path(work), progress)
            _start_plan(ctx, names)
            for name in names:
                _run_section(ctx, name, SECTIONS[name], results, out)
            results["peers"] = {m: ctx.available(m) for m in PEERS}
    finally:
        progress.close()
    results["fit_times"] = [[*key, sec] for key, sec in progress.times.items()]
    results["problems"] = _problems(results["sections"])
    results["targets"] = targets.evaluate(results)
    results["meta"]["elapsed_s"] = progress.elapsed()
    paths = report.write(out, results)
    progress(f"done in {progress.elapsed() / 60:.1f} min")
    progress(f"report:  {paths[0]}")
    progress(f"results: {paths[1]}")
    progress(f"figures: {out / 'figures'}")
    return paths


def _start_plan(ctx, names):
    """Give the progress bar the planned fits and their expected costs."""
    keys = planned_fits(ctx.profile, names, ctx.available)
    reference = reference_path(ctx.profile.name)
    times = reference_times(reference)
    costs = expected_costs(keys, times)
    known = sum(key in times for key in keys)
    how = (
        f"time left weighted by the fit times of {reference} ({known} of "
        f"{len(keys)} fits timed there)"
        if known
        else "time left estimated by the count of fits"
    )
    ctx.progress(f"{len(keys)} fits planned; {how}")
    ctx.progress.plan(costs)
