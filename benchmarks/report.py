"""Write the benchmark results as Markdown (report.md) and JSON (results.json).

The report is the header (provenance, environment, methods, how it is
measured), the target verdicts, one part per section (generative fidelity,
real data, manifold learning, scale, pipelines) and the list of failures.
Every number comes from the results; nothing is computed here.
"""

import json
from collections import Counter
from pathlib import Path

import numpy as np

from benchmarks.report_generative import generative_section, real_section
from benchmarks.report_tables import (
    clip_tail,
    fmt,
    manifold_section,
    pipelines_section,
    pm,
    scale_section,
    table,
)
from benchmarks.target_rules import AREAS, STATUSES

__all__ = ["fmt", "pm", "render", "table", "write", "write_json"]

# ----------------------------------------------------- whole report


def _json_default(obj):
    if isinstance(obj, (np.integer, np.floating, np.ndarray)):
        return obj.tolist()  # Python scalars, or nested lists
    if isinstance(obj, Path):
        return str(obj)
    return repr(obj)


def write_json(path, results):
    """Write ``results`` as indented JSON (numpy types converted)."""
    Path(path).write_text(json.dumps(results, indent=1, default=_json_default))


def _header(results):
    meta = results["meta"]
    hw = meta["hardware"]
    minutes = meta.get("elapsed_s", 0.0) / 60.0
    lines = [
        f"# skdvae benchmark report: profile `{meta['profile']}`",
        "",
        f"Generated {meta['date']} by `{meta['command']}` "
        f"(git {meta['git']}) in {minutes:.1f} minutes.",
        f"Profile: {meta['profile_description']}.",
        "",
        "## Environment",
        "",
        table(
            ["CPU", "logical cores", "usable cores", "memory", "Python", "platform"],
            [
                [
                    hw["cpu"],
                    hw["logical_cores"],
                    hw["usable_cores"],
                    f"{hw['memory_gb']} GB",
                    meta["python"],
                    meta["platform"],
                ]
            ],
        ),
        "",
        "Packages: " + ", ".join(f"{k} {v}" for k, v in meta["packages"].items()) + ".",
    ]
    return lines


def _peers(results):
    rows = [
        [name, "yes" if ok else "no", detail]
        for name, (ok, detail) in results.get("peers", {}).items()
    ]
    return [
        "",
        "## Methods compared",
        "",
        table(["method", "available", "detail"], rows),
    ]


_MEASUREMENT = """
## How it is measured

- Every fit runs in a fresh child process (`python -m benchmarks.measure`). Fit time
  is the wall time of `fit_transform` on the training data. Peak memory is the
  maximum resident memory of the child during the fit *above its baseline*, the
  baseline being taken after imports, data loading and warm-up (sampled every 5 ms,
  plus the kernel's high-water mark).
- numba compiles UMAP and pynndescent on first use in each process. For those
  methods (and DiffusionMap, which may use pynndescent) a warm-up fit on 300
  points, plus an NN-descent index on 2,000 points for large data, runs before the
  clock starts; its duration is recorded as `warmup_s` in `results.json`.
- Peers use their own defaults; only `n_components` (equal for all) and
  `random_state` (where accepted) are set. Seeded UMAP runs single-threaded, so
  the scale comparison also runs UMAP unseeded (its parallel path), and targets
  compare against the faster UMAP run.
- Trustworthiness and continuity (k = 10) are computed on a seeded subsample of
  the training embedding; the same points for every method.
- The two VAEs share one budget: the Gaussian-prior VAE (`benchmarks/gaussian_vae.py`)
  is trained through skorch by DiffusionVAE's own glue: the same torch modules and
  hidden sizes, the same resolved batch size ("auto": 32 to 128), learning rate and
  stopping rule (smoothed training loss, `tol`, `n_iter_no_change`), and up to
  `2 * max_iter` epochs (DiffusionVAE trains two stages of up to `max_iter` each).
  It uses KL warm-up and a small initial likelihood variance so that it does not
  collapse to the data mean within that budget; both fit times are reported.
- Latent dimensions follow the diffusion geometry and are the same for the three
  generative models on synthetic data: 2 for curves, 3 for the sphere, 4 for the
  torus, 3 and 2 for two circles and the Gaussian grid (each connected component
  gets its own coordinates in the shared dimensions, and the components are offset
  apart). On real images DiffusionVAE adds detail coordinates to its diffusion
  coordinates; the Gaussian VAE runs at the diffusion dimension, at the same total
  latent dimension and at twice that.
- Walk stability: DiffusionVAE walkers start from held-out points (loop, torus,
  Frey faces) and take `DiffusionVAE.walk` steps in the child process that fitted
  the model; the distance to the data after one step and after the last, the share
  of visited points outside the data's per-feature range (widened by 10 % of its
  span; the strict range is shown too), the acceptance rate, and on the loop the
  bins of the curve parameter visited.
- All numbers come from this run; target verdicts are computed from them.
""".strip("\n")


def _targets(results):
    found = results.get("targets", [])
    order = {area: i for i, area in enumerate(AREAS)}
    found = sorted(found, key=lambda t: order.get(t["area"], len(order)))
    rows = [
        [t["area"], t["target"], t["measured"], f"**{t['status']}**"] for t in found
    ]
    counts = Counter(t["status"] for t in found)
    summary = ", ".join(f"{counts[s]} {s}" for s in STATUSES if counts[s])
    present = {t["area"] for t in found}
    areas = [f"- **{a}**: {q}" for a, q in AREAS.items() if a in present]
    return [
        "",
        "## Targets",
        "",
        "What skdvae aims to reach, each target checked against the numbers "
        "measured in this run (the sections below). The areas, and the "
        "question each answers:",
        "",
        *areas,
        "",
        "Verdicts: *met* or *not met*; *at a smaller size* when this run "
        "measured a smaller problem than the target states (the measured "
        "text gives both sizes; the full profile measures the stated size); "
        "*not measured* when the profile leaves the target out.",
        "",
        f"Summary: {summary or 'no targets'}.",
        "",
        table(["area", "target", "measured", "verdict"], rows),
    ]


def _failures(results):
    lines = []
    for name, section in results.get("sections", {}).items():
        if section.get("error"):
            error = clip_tail(section["error"])
            lines.append(f"- section **{name}** failed: `{error}`")
    for item in results.get("problems", []):
        lines.append(f"- {item}")
    body = lines or ["- none"]
    return ["", "## Failures, skips and time-outs", "", *body]


def render(results):
    """Return the Markdown report for ``results``."""
    sections = results.get("sections", {})
    lines = _header(results) + _peers(results) + ["", _MEASUREMENT]
    if not results["meta"].get("isolated", True):
        lines += [
            "",
            "**This profile measured in the runner's own process** (no child "
            "processes): times are indicative and memory numbers approximate.",
        ]
    lines += _targets(results)
    lines += generative_section(sections.get("generative"))
    lines += real_section(sections.get("real"))
    lines += manifold_section(sections.get("manifold"))
    lines += scale_section(sections.get("scale"))
    lines += pipelines_section(sections.get("pipelines"))
    lines += _failures(results)
    return "\n".join(lines) + "\n"


def write(out, results):
    """Write ``report.md`` and ``results.json`` into ``out``; return their paths."""
    out = Path(out)
    report, data = out / "report.md", out / "results.json"
    write_json(data, results)  # first: the numbers survive a rendering error
    report.write_text(render(results))
    return report, data
