"""Generative sections: samples of the models against the truth (issue 4).

Section 1, synthetic manifolds (:func:`run_synthetic`). For each dataset and
seed, the models (``DiffusionVAE``, the Gaussian-prior VAE of the same size
and budget, ``DiffusionMap.sample``) are trained on ``n_samples`` points,
generate ``n_generated`` points, and encode then decode held-out points.
Scores against a fresh sample of the true distribution:

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

On the loop and the torus, the fitted ``DiffusionVAE`` also takes long walks
from held-out points (walk stability, :mod:`benchmarks.walks`); on two
circles, the samples' share farther than 0.2 from both circles and the
share of the smaller circle are scored.

Section 2, real images, is :mod:`benchmarks.real`.
"""

import numpy as np

from benchmarks import figures, walks
from benchmarks.data import display_name, load_dataset
from benchmarks.measure import save_arrays

__all__ = [
    "OFF_CIRCLE_DISTANCE",
    "TRUTH",
    "aggregate",
    "fidelity",
    "fit_label",
    "plan",
    "result_row",
    "run_synthetic",
    "sample_scores",
]

#: Name of the reference row (a fresh sample of the true distribution).
TRUTH = "true distribution"
#: A two-circles sample farther than this from both circles is off the data.
OFF_CIRCLE_DISTANCE = 0.2
#: 3-D view (elevation, azimuth in degrees) of a dataset's sample figure: the
#: torus seen from above its axis, so that its hole shows.
_VIEWS = {"torus": (60.0, -60.0)}


def _safe(func, *args, **kwargs):
    """Call a metric; return (value, None) or (None, error text)."""
    try:
        return func(*args, **kwargs), None
    except Exception as exc:  # a failing metric must not stop the section
        return None, f"{func.__name__}: {type(exc).__name__}: {exc}"


def fidelity(samples, reference, max_samples, seed):
    """Precision, recall and Gromov-Wasserstein distance of ``samples``."""
    from skdvae import metrics

    gw, err = _safe(metrics.gromov_wasserstein, samples, reference, max_samples, seed)
    pr, err2 = _safe(metrics.precision_recall, reference, samples)
    scores = {
        "gromov_wasserstein": gw,
        "precision": pr and pr.precision,
        "recall": pr and pr.recall,
    }
    return scores, [e for e in (err, err2) if e]


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

    if not np.all(np.isfinite(samples)):
        return {"errors": ["samples contain non-finite values"]}
    scored, errors = fidelity(samples, reference, max_samples, seed)
    dist, err = _safe(metrics.manifold_distance_summary, name, samples)
    truth = datasets.betti_numbers(name)
    betti, err2 = _safe(
        metrics.betti_numbers, samples, max_dim=len(truth) - 1, random_state=seed
    )
    errors += [e for e in (err, err2) if e]
    scores = {"gromov_wasserstein": scored["gromov_wasserstein"]}
    scores["manifold_distance_mean"] = dist and dist["mean"]
    scores["manifold_distance_q90"] = dist and dist["q90"]
    scores["precision"], scores["recall"] = scored["precision"], scored["recall"]
    scores["betti"] = None if betti is None else [int(b) for b in betti][: len(truth)]
    scores["betti_true"] = list(truth)
    scores["betti_match"] = None if betti is None else scores["betti"] == list(truth)
    if name == "gaussian_grid":
        cov, err3 = _safe(
            metrics.mode_coverage,
            samples,
            datasets.gaussian_grid_centers(),
            datasets.GRID_STD,
        )
        scores["modes_hit"] = cov and cov.n_modes_hit
        scores["high_quality"] = cov and cov.high_quality_fraction
        errors += [err3] if err3 else []
    if name == "two_circles":
        scores.update(two_circle_scores(samples))
    scores["errors"] = errors
    return scores


def two_circle_scores(samples):
    """Share of samples off both circles, and share of the smaller circle.

    A sample is off the data when it lies farther than
    :data:`OFF_CIRCLE_DISTANCE` from both circles; it belongs to the left
    circle when its first coordinate is negative (the circles are centred at
    -3 and 3).
    """
    from skdvae import datasets

    off = datasets.distance_to_manifold("two_circles", samples) > OFF_CIRCLE_DISTANCE
    left = float(np.mean(samples[:, 0] < 0))
    return {"off_circles": float(off.mean()), "minor_circle_share": min(left, 1 - left)}


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


def result_row(result):
    """Report row of a measured model: its numbers and its fit time."""
    row = result.summary()
    row["fit_s"] = result.time_s.get("fit")
    return row


def _steps(ctx, case, method):
    """Steps of one model: round trip, samples, and DiffusionVAE's long walks."""
    steps = {"transform": True, "inverse_transform": True}
    steps["sample"] = ctx.profile.n_generated
    walk = walks.walk_config(ctx.profile, case.dataset)
    if walk and method == "DiffusionVAE":
        steps["long_walk"] = walk["n_steps"]
    return steps


def _walk_scores(row, result, case, train):
    """Walk stability of the DiffusionVAE run (loop: bins of the true angle)."""
    from skdvae import datasets

    def distance(X):
        return datasets.distance_to_manifold(case.dataset, X)

    params = train.color if case.dataset == "loop" else None
    return walks.add_walk_scores(row, result, distance, train.X, params)


def _model_row(ctx, case, method, data, seed):
    """Fit, sample and score one model; return its row and its samples."""
    prof = ctx.profile
    unavailable = ctx.unavailable(method)
    if unavailable:
        return unavailable, None
    paths, reference, train = data
    steps = _steps(ctx, case, method)
    label = fit_label(case, seed)
    result = ctx.run(label, method, case.n_components, paths, steps, seed=seed)
    row = result_row(result)
    samples = result.arrays.get("samples") if result.ok else None
    if samples is not None:
        max_samples = prof.metric_max_samples
        row.update(sample_scores(case.dataset, samples, reference, max_samples, seed))
        row.update(_bilipschitz(result))
    if result.ok:
        _walk_scores(row, result, case, train)
    return row, samples


def _one_seed(ctx, case, seed):
    n_gen = ctx.profile.n_generated
    train = load_dataset(case.dataset, case.n_samples, seed)
    test = load_dataset(case.dataset, min(500, case.n_samples), seed + 1000)
    reference = load_dataset(case.dataset, n_gen, seed + 2000).X
    fresh = load_dataset(case.dataset, n_gen, seed + 3000).X
    walk = walks.walk_config(ctx.profile, case.dataset)
    starts = test.X[: walk["n_walkers"]] if walk else None
    paths = save_arrays(
        ctx.work, X_train=train.X, X_test=test.X, long_walk_start=starts
    )
    truth = {"method": TRUTH, "status": "ok"}
    max_samples = ctx.profile.metric_max_samples
    truth.update(sample_scores(case.dataset, fresh, reference, max_samples, seed))
    rows, panels = [truth], [(TRUTH, fresh)]
    for method in ctx.profile.generative_methods:
        data = (paths, reference, train)
        row, samples = _model_row(ctx, case, method, data, seed)
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
        "off_circles",
        "minor_circle_share",
        *walks.WALK_KEYS,
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
                f"{display_name(case.dataset)}, latent dimension "
                f"{case.n_components}: samples (red) over the training points "
                f"(grey), seed {seed}",
                X_train,
                panels,
                view=_VIEWS.get(case.dataset),
            )
    return {
        "dataset": case.dataset,
        "label": case.label,
        "note": case.note,
        "n_train": case.n_samples,
        "n_components": case.n_components,
        "seeds": list(ctx.profile.seeds),
        "walks": walks.walk_config(ctx.profile, case.dataset),
        "summary": aggregate(per_seed),
        "per_seed": per_seed,
        "figure": fig,
    }


def fit_label(case, seed):
    """Progress label of the fits of ``case`` at ``seed``."""
    return f"generative {case.label} seed {seed}"


def plan(profile):
    """The fits of section 1 in run order, as ``(label, method)``."""
    return [
        (fit_label(case, seed), method)
        for case in profile.generative
        for seed in profile.seeds
        for method in profile.generative_methods
    ]


def run_synthetic(ctx):
    """Run section 1, generative fidelity on synthetic manifolds.

    Parameters
    ----------
    ctx : benchmarks.runner.Context
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
