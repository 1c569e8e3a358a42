"""Run a benchmark profile end to end and write the report."""

import tempfile
import time
import traceback
from pathlib import Path

from benchmarks import (
    environment,
    generative,
    manifold,
    pipelines,
    realdata,
    report,
    scale,
    targets,
)
from benchmarks.context import Context, Progress
from benchmarks.peers import PEERS
from benchmarks.profiles import get_profile

__all__ = ["SECTIONS", "default_out", "run"]

#: Sections in report order, with the function that runs each.
SECTIONS = {
    "generative": generative.run,
    "real": realdata.run,
    "manifold": manifold.run,
    "scale": scale.run,
    "pipelines": pipelines.run,
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
    results = {"meta": environment.describe(profile, argv), "sections": {}}
    results["meta"]["isolated"] = profile.isolate
    progress = Progress(stream)
    progress(f"profile {profile.name}: {profile.description}; output in {out}")
    with tempfile.TemporaryDirectory(prefix="skdvae-bench-") as work:
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
