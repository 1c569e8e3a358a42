"""Manifold-learning section: every embedding method on the same data.

For each dataset of the profile, every available method is fitted on the
same training points (``n_components`` equal for all) in its own child
process, and scored in the parent:

- trustworthiness and continuity (k = 10) on a seeded subsample of the
  training embedding (both are O(n^2));
- Spearman correlation between pairwise distances in the embedding and in the
  true intrinsic coordinates (synthetic data);
- fit time (``fit_transform`` on the training data), ``transform`` time on
  the held-out points, peak memory of the fit above the child's baseline;
- held-out round-trip error ``mean ||x - inverse_transform(transform(x))||^2``
  divided by the held-out variance ``mean ||x - mean(x)||^2``, for the methods
  with an ``inverse_transform``.
"""

import numpy as np

from benchmarks import figures
from benchmarks.data import DataUnavailable, load_dataset, split
from benchmarks.measure import save_arrays

__all__ = ["embedding_scores", "roundtrip_error", "run"]

_STEPS = {"transform": True, "inverse_transform": True}


def roundtrip_error(X, X_back):
    """Round-trip squared error relative to the variance of ``X``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Held-out points.
    X_back : ndarray of shape (n_samples, n_features)
        ``inverse_transform(transform(X))``.

    Returns
    -------
    mse : float
        Mean squared Euclidean error per point.
    relative : float
        ``mse`` divided by the mean squared distance of ``X`` to its mean
        (0 is perfect, 1 is no better than predicting the mean).
    """
    mse = float(np.mean(np.sum((X - X_back) ** 2, axis=1)))
    spread = float(np.mean(np.sum((X - X.mean(axis=0)) ** 2, axis=1)))
    return mse, mse / spread if spread > 0 else float("nan")


def embedding_scores(train, result, max_samples, seed=0, test=None):
    """Quality numbers of one fitted embedding.

    Parameters
    ----------
    train : benchmarks.data.Dataset
        Training data (its ``truth`` feeds the Spearman correlation).
    result : benchmarks.measure.Measurement
        The measured run, with ``arrays["embedding"]``.
    max_samples : int
        Subsample size of the O(n^2) metrics.
    seed : int, default=0
        Seed of the subsample (the same for every method of a comparison).
    test : benchmarks.data.Dataset or None, default=None
        Held-out data, for the round-trip error.

    Returns
    -------
    scores : dict
        ``trustworthiness``, ``continuity``, ``spearman``, ``roundtrip_mse``,
        ``roundtrip_relative`` (None where not applicable).
    """
    from skdvae import metrics

    Z = result.arrays["embedding"]
    rng = np.random.default_rng(seed)
    n = len(Z)
    idx = np.sort(rng.choice(n, min(n, max_samples), replace=False))
    scores = dict.fromkeys(
        [
            "trustworthiness",
            "continuity",
            "spearman",
            "roundtrip_mse",
            "roundtrip_relative",
        ]
    )
    if not np.all(np.isfinite(Z)):
        scores["error"] = "embedding has non-finite values"
        return scores
    scores["trustworthiness"] = metrics.trustworthiness(train.X[idx], Z[idx])
    scores["continuity"] = metrics.continuity(train.X[idx], Z[idx])
    if train.truth is not None:
        scores["spearman"] = metrics.spearman_correlation(
            train.truth, Z, max_samples=min(max_samples, 1000), random_state=seed
        )
    back = result.arrays.get("reconstruction_test")
    if test is not None and back is not None:
        scores["roundtrip_mse"], scores["roundtrip_relative"] = roundtrip_error(
            test.X, back
        )
    return scores


def row_of(result, scores):
    """Flatten a measurement and its scores into one report row."""
    row = result.summary()
    row.update(
        fit_s=result.time_s.get("fit"),
        transform_s=result.time_s.get("transform"),
        inverse_s=result.time_s.get("inverse_transform"),
        peak_fit_mb=result.peak_mb.get("fit"),
    )
    row.update(scores)
    return row


def add_ratios(rows, reference="DiffusionMap"):
    """Add each method's fit time relative to ``reference`` (same run)."""
    ref = next((r for r in rows if r["method"] == reference), None)
    ref_fit = ref.get("fit_s") if ref else None
    for r in rows:
        fit = r.get("fit_s")
        r["fit_vs_reference"] = fit / ref_fit if fit and ref_fit else None
    return rows


def _run_case(ctx, case, seed=0):
    label = f"manifold {case.label}"
    n_total = None if case.n_samples is None else case.n_samples + case.n_test
    data = load_dataset(case.dataset, n_total, random_state=seed)
    train, test = split(data, case.n_test, random_state=seed)
    paths = save_arrays(ctx.work, X_train=train.X, X_test=test.X)
    rows, panels = [], []
    for method in case.methods:
        ok, detail = ctx.available(method)
        if not ok:
            rows.append({"method": method, "status": "unavailable", "error": detail})
            continue
        result = ctx.run(
            label,
            method,
            case.n_components,
            paths,
            _STEPS,
            seed=seed,
            timeout=case.timeout,
        )
        scores = {}
        if result.ok:
            scores = embedding_scores(
                train, result, ctx.profile.trust_max_samples, seed, test
            )
            panels.append((method, result.arrays["embedding"]))
        rows.append(row_of(result, scores))
    fig = figures.embeddings(
        ctx.figures / f"embeddings_{case.label}.png",
        f"{case.dataset}: {len(train.X)} training points",
        panels,
        train.color,
    )
    return {
        "dataset": case.dataset,
        "label": case.label,
        "n_train": len(train.X),
        "n_test": len(test.X),
        "n_features": train.X.shape[1],
        "n_components": case.n_components,
        "rows": add_ratios(rows),
        "figure": fig,
    }


def run(ctx):
    """Run the manifold-learning section of the profile.

    Parameters
    ----------
    ctx : benchmarks.context.Context
        The run.

    Returns
    -------
    section : dict
        ``cases``: one entry per dataset (rows of numbers, figure path), or
        ``skipped`` with the reason when the data are not installed.
    """
    cases = []
    for case in ctx.profile.manifold:
        try:
            cases.append(_run_case(ctx, case))
        except DataUnavailable as exc:
            ctx.progress(f"manifold {case.label}", "SKIPPED", exc)
            cases.append({"dataset": case.dataset, "skipped": str(exc)})
    return {"cases": cases}
