"""Scale section: the issue-2 targets on large Swiss rolls.

Two runs, each method in its own child process:

- ``compare``: a Swiss roll of ``n_compare`` points (50,000 in ``full``)
  embedded in 2-D by ``DiffusionMap`` and ``UMAP`` (seeded, and unseeded so
  that umap-learn runs its parallel code path; the targets compare against
  the faster of the two). Fit time, peak memory, trustworthiness on a seeded
  subsample, and the round-trip error of ``n_test`` held-out points.
- ``large``: ``DiffusionMap`` with ``n_landmarks`` landmarks on a Swiss roll
  of ``n_large`` points (200,000 in ``full``): fit time and peak memory.
"""

import numpy as np

from benchmarks import figures
from benchmarks.data import load_dataset, split
from benchmarks.manifold import add_ratios, embedding_scores, row_of
from benchmarks.measure import save_arrays

__all__ = ["run"]


def _compare(ctx, cfg, max_samples):
    n, n_test = cfg["n_compare"], cfg["n_test"]
    train, test = split(load_dataset("swiss_roll", n + n_test, 0), n_test, 0)
    paths = save_arrays(ctx.work, X_train=train.X, X_test=test.X)
    steps = {"transform": True, "inverse_transform": True}
    rows, panels = [], []
    for method in cfg["methods"]:
        ok, detail = ctx.available(method)
        if not ok:
            rows.append({"method": method, "status": "unavailable", "error": detail})
            continue
        result = ctx.run(f"scale swiss_roll {n}", method, 2, paths, steps)
        scores = {}
        if result.ok:
            scores = embedding_scores(train, result, max_samples, 0, test)
            panels.append((method, result.arrays["embedding"]))
        rows.append(row_of(result, scores))
    fig = figures.embeddings(
        ctx.figures / "embeddings_swiss_roll_scale.png",
        f"swiss_roll: {n} training points",
        panels,
        train.color,
    )
    return {"n_train": n, "n_test": n_test, "rows": add_ratios(rows), "figure": fig}


def _large(ctx, cfg, max_samples):
    n, n_landmarks = cfg["n_large"], cfg["n_landmarks"]
    data = load_dataset("swiss_roll", n, 1)
    paths = save_arrays(ctx.work, X_train=data.X)
    ok, detail = ctx.available("DiffusionMap")
    if not ok:
        return {"n_train": n, "rows": [{"method": "DiffusionMap", "error": detail}]}
    params = {"n_landmarks": n_landmarks}
    result = ctx.run(f"scale swiss_roll {n}", "DiffusionMap", 2, paths, {}, params)
    scores = {}
    if result.ok:
        scores = embedding_scores(data, result, max_samples, 0)
    row = row_of(result, scores)
    row["params"] = params
    return {"n_train": n, "n_landmarks": n_landmarks, "rows": [row]}


def run(ctx):
    """Run the scale section of the profile.

    Parameters
    ----------
    ctx : benchmarks.context.Context
        The run.

    Returns
    -------
    section : dict
        ``compare`` and ``large`` results, or ``skipped``.
    """
    cfg = ctx.profile.scale
    if not cfg:
        return {"skipped": f"not part of the {ctx.profile.name} profile"}
    max_samples = int(cfg.get("trust_samples", ctx.profile.trust_max_samples))
    section = {"trust_samples": max_samples}
    section["compare"] = _compare(ctx, cfg, max_samples)
    section["large"] = _large(ctx, cfg, max_samples)
    return section


def fastest(rows, prefix):
    """The finished row of the fastest method whose name starts with ``prefix``."""
    done = [
        r for r in rows if r["method"].startswith(prefix) and r.get("status") == "ok"
    ]
    return min(done, key=lambda r: r["fit_s"], default=None) if done else None


def finite(value):
    """True if ``value`` is a finite number."""
    return value is not None and bool(np.isfinite(value))
