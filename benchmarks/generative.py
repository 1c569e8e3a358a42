"""Generative-fidelity section on synthetic manifolds (issue 4, point 1).

For each dataset and seed, the models (``DiffusionVAE``, the Gaussian-prior
VAE of the same size and budget, ``DiffusionMap.sample``) are trained on
``n_samples`` points, generate ``n_generated`` points, and encode then decode
held-out points. Scores against a fresh sample of the true distribution:

- Gromov-Wasserstein distance (POT; max-normalised distance matrices);
- distance of the samples to the true manifold (mean and 90th percentile);
- Betti numbers of the samples (ripser) against the truth;
- precision and recall (k-NN supports, Kynkaanniemi et al. 2019);
- modes hit and share of high-quality samples (Gaussian grid);
- local bi-Lipschitz constant of the decoder on held-out latent points.

The row "true distribution" scores a second fresh sample of the true
distribution the same way: the best a model can do at this sample size, and
a check of the metrics themselves (e.g. whether the Betti estimate recovers
the truth from that many points).
"""

import numpy as np

from benchmarks import figures
from benchmarks.data import load_dataset
from benchmarks.measure import save_arrays

__all__ = ["TRUTH", "aggregate", "run", "sample_scores"]

#: Name of the reference row (a fresh sample of the true distribution).
TRUTH = "true distribution"
_VAES = ("DiffusionVAE", "GaussianVAE")


def _safe(func, *args, **kwargs):
    """Call a metric; return (value, None) or (None, error text)."""
    try:
        return func(*args, **kwargs), None
    except Exception as exc:  # a failing metric must not stop the section
        return None, f"{func.__name__}: {type(exc).__name__}: {exc}"


def sample_scores(name, samples, reference, max_samples, seed):
    """Distribution-level scores of ``samples`` against ``reference``.

    Parameters
    ----------
    name : str
        Synthetic dataset name (for the true manifold and Betti numbers).
    samples, reference : ndarray of shape (n, n_features)
        Generated points and a fresh sample of the true distribution.
    max_samples : int
        Subsample size of the Gromov-Wasserstein computation.
    seed : int
        Seed of the subsamples.

    Returns
    -------
    scores : dict
        Numbers by name, plus ``errors`` (metrics that failed).
    """
    from skdvae import datasets, metrics

    errors, scores = [], {}
    if not np.all(np.isfinite(samples)):
        return {"errors": ["samples contain non-finite values"]}
    gw, err = _safe(metrics.gromov_wasserstein, samples, reference, max_samples, seed)
    dist, err2 = _safe(metrics.manifold_distance_summary, name, samples)
    pr, err3 = _safe(metrics.precision_recall, reference, samples)
    truth = datasets.betti_numbers(name)
    betti, err4 = _safe(
        metrics.betti_numbers, samples, max_dim=len(truth) - 1, random_state=seed
    )
    errors += [e for e in (err, err2, err3, err4) if e]
    scores["gromov_wasserstein"] = gw
    scores["manifold_distance_mean"] = dist and dist["mean"]
    scores["manifold_distance_q90"] = dist and dist["q90"]
    scores["precision"] = pr and pr.precision
    scores["recall"] = pr and pr.recall
    scores["betti"] = None if betti is None else [int(b) for b in betti][: len(truth)]
    scores["betti_true"] = list(truth)
    scores["betti_match"] = None if betti is None else scores["betti"] == list(truth)
    if name == "gaussian_grid":
        cov, err5 = _safe(
            metrics.mode_coverage,
            samples,
            datasets.gaussian_grid_centers(),
            datasets.GRID_STD,
        )
        scores["modes_hit"] = cov and cov.n_modes_hit
        scores["high_quality"] = cov and cov.high_quality_fraction
        errors += [err5] if err5 else []
    scores["errors"] = errors
    return scores


def _bilipschitz(result):
    from skdvae import metrics

    Z = result.arrays.get("embedding_test")
    X_dec = result.arrays.get("reconstruction_test")
    if Z is None or X_dec is None:
        return {}
    values, err = _safe(metrics.local_bilipschitz, Z, X_dec)
    if values is None or not np.isfinite(values).any():
        return {"bilipschitz_error": err or "no finite constant"}
    finite = values[np.isfinite(values)]
    return {
        "bilipschitz_mean": float(finite.mean()),
        "bilipschitz_median": float(np.median(finite)),
        "bilipschitz_infinite": int(values.size - finite.size),
    }


def _model_row(ctx, case, method, paths, reference, seed):
    """Fit, sample and score one model; return its row and its samples."""
    prof = ctx.profile
    if not ctx.available(method)[0]:
        detail = ctx.available(method)[1]
        return {"method": method, "status": "unavailable", "error": detail}, None
    steps = {"transform": True, "inverse_transform": True, "sample": prof.n_generated}
    params = prof.vae_params if method in _VAES else None
    label = f"generative {case.label} seed {seed}"
    result = ctx.run(label, method, case.n_components, paths, steps, params, seed)
    row = result.summary()
    row["fit_s"] = result.time_s.get("fit")
    samples = result.arrays.get("samples") if result.ok else None
    if samples is not None:
        max_samples = prof.metric_max_samples
        row.update(sample_scores(case.dataset, samples, reference, max_samples, seed))
        row.update(_bilipschitz(result))
    return row, samples


def _one_seed(ctx, case, seed):
    n_gen = ctx.profile.n_generated
    train = load_dataset(case.dataset, case.n_samples, seed)
    test = load_dataset(case.dataset, min(500, case.n_samples), seed + 1000)
    reference = load_dataset(case.dataset, n_gen, seed + 2000).X
    fresh = load_dataset(case.dataset, n_gen, seed + 3000).X
    paths = save_arrays(ctx.work, X_train=train.X, X_test=test.X)
    truth = {"method": TRUTH, "status": "ok"}
    max_samples = ctx.profile.metric_max_samples
    truth.update(sample_scores(case.dataset, fresh, reference, max_samples, seed))
    rows, panels = [truth], [(TRUTH, fresh)]
    for method in ctx.profile.generative_methods:
        row, samples = _model_row(ctx, case, method, paths, reference, seed)
        rows.append(row)
        if samples is not None:
            panels.append((method, samples))
    return rows, panels, train.X


def aggregate(per_seed):
    """Mean and standard deviation over seeds, per method.

    Parameters
    ----------
    per_seed : list of list of dict
        Rows of each seed.

    Returns
    -------
    summary : list of dict
        One row per method: ``<metric>_mean``, ``<metric>_std`` for the
        numbers, ``betti_matches`` (seeds whose Betti numbers equal the
        truth), ``n_ok`` (seeds that finished) and ``n_seeds``.
    """
    methods = list(dict.fromkeys(r["method"] for rows in per_seed for r in rows))
    numeric = (
        "gromov_wasserstein",
        "manifold_distance_mean",
        "manifold_distance_q90",
        "precision",
        "recall",
        "modes_hit",
        "high_quality",
        "bilipschitz_mean",
        "bilipschitz_median",
        "fit_s",
    )
    summary = []
    for method in methods:
        rows = [r for rows in per_seed for r in rows if r["method"] == method]
        ok = [r for r in rows if r.get("status") == "ok"]
        out = {"method": method, "n_seeds": len(rows), "n_ok": len(ok)}
        for key in numeric:
            values = [r[key] for r in ok if r.get(key) is not None]
            if values:
                out[f"{key}_mean"] = float(np.mean(values))
                out[f"{key}_std"] = float(np.std(values))
        out["betti"] = [r.get("betti") for r in ok]
        out["betti_matches"] = sum(bool(r.get("betti_match")) for r in ok)
        out["errors"] = sorted({r["error"] for r in rows if r.get("error")})
        summary.append(out)
    return summary


def _run_case(ctx, case):
    per_seed, fig = [], None
    for seed in ctx.profile.seeds:
        rows, panels, X_train = _one_seed(ctx, case, seed)
        for r in rows:
            r["seed"] = seed
        per_seed.append(rows)
        if fig is None:
            fig = figures.samples_vs_truth(
                ctx.figures / f"samples_{case.label}.png",
                f"{case.dataset}, latent dimension {case.n_components}: samples "
                f"(red) on the true manifold (grey), seed {seed}",
                X_train,
                panels,
            )
    return {
        "dataset": case.dataset,
        "label": case.label,
        "note": case.note,
        "n_train": case.n_samples,
        "n_components": case.n_components,
        "seeds": list(ctx.profile.seeds),
        "summary": aggregate(per_seed),
        "per_seed": per_seed,
        "figure": fig,
    }


def run(ctx):
    """Run the generative-fidelity section of the profile.

    Parameters
    ----------
    ctx : benchmarks.context.Context
        The run.

    Returns
    -------
    section : dict
        ``cases``: per configuration (dataset and latent dimension), the
        per-seed rows, their summary and a figure.
    """
    return {
        "n_generated": ctx.profile.n_generated,
        "vae_params": ctx.profile.vae_params,
        "cases": [_run_case(ctx, case) for case in ctx.profile.generative],
    }
