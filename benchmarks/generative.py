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

Section 2, real images (:func:`run_real`): Frey faces and Fashion-MNIST. The
models are trained on a seeded training split; they generate
``n_generated`` images (capped by the held-out size) and encode then decode
the held-out images. Scores against the held-out images: precision, recall
and Gromov-Wasserstein distance of the samples, and the relative round-trip
(reconstruction) error. Figures: a grid of real held-out images, a grid of
samples per model, and film strips of ``DiffusionVAE`` random walks started
from real held-out images (the paper's Frey-face walks). A missing dataset
is reported and skipped.
"""

import numpy as np

from benchmarks import figures
from benchmarks.data import load_dataset, split
from benchmarks.embeddings import roundtrip_error
from benchmarks.measure import save_arrays

__all__ = ["TRUTH", "aggregate", "run_real", "run_synthetic", "sample_scores"]

#: Name of the reference row (a fresh sample of the true distribution).
TRUTH = "true distribution"


def _safe(func, *args, **kwargs):
    """Call a metric; return (value, None) or (None, error text)."""
    try:
        return func(*args, **kwargs), None
    except Exception as exc:  # a failing metric must not stop the section
        return None, f"{func.__name__}: {type(exc).__name__}: {exc}"


def _fidelity(samples, reference, max_samples, seed):
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
    fidelity, errors = _fidelity(samples, reference, max_samples, seed)
    dist, err = _safe(metrics.manifold_distance_summary, name, samples)
    truth = datasets.betti_numbers(name)
    betti, err2 = _safe(
        metrics.betti_numbers, samples, max_dim=len(truth) - 1, random_state=seed
    )
    errors += [e for e in (err, err2) if e]
    scores = {"gromov_wasserstein": fidelity["gromov_wasserstein"]}
    scores["manifold_distance_mean"] = dist and dist["mean"]
    scores["manifold_distance_q90"] = dist and dist["q90"]
    scores["precision"], scores["recall"] = fidelity["precision"], fidelity["recall"]
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


def _row(result):
    """Report row of a measured model: its numbers and its fit time."""
    row = result.summary()
    row["fit_s"] = result.time_s.get("fit")
    return row


def _model_row(ctx, case, method, paths, reference, seed):
    """Fit, sample and score one model; return its row and its samples."""
    prof = ctx.profile
    unavailable = ctx.unavailable(method)
    if unavailable:
        return unavailable, None
    steps = {"transform": True, "inverse_transform": True, "sample": prof.n_generated}
    label = f"generative {case.label} seed {seed}"
    result = ctx.run(label, method, case.n_components, paths, steps, seed=seed)
    row = _row(result)
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


# ------------------------------------------------------- section 2: real data
def _real_scores(samples, test, max_samples):
    """Precision, recall and Gromov-Wasserstein distance of generated images."""
    if not np.all(np.isfinite(samples)):
        return {"errors": ["samples contain non-finite values"]}
    scores, errors = _fidelity(samples, test, max_samples, 0)
    if errors:
        scores["errors"] = errors
    return scores


def walk_steps(profile):
    """Steps of each random walk of the film strips."""
    return int(profile.real.get("n_steps", 10))


def _real_figures(ctx, name, method, result, test):
    """Sample grid and walk film strips of one model."""
    figs = {}
    if "samples" in result.arrays:
        figs["samples"] = figures.image_grid(
            ctx.figures / f"{name}_samples_{method}.png",
            f"{name}: {method} samples",
            result.arrays["samples"],
            test.image_shape,
            ctx.profile.real["grid"],
        )
    if "walks" in result.arrays:
        figs["walks"] = figures.filmstrips(
            ctx.figures / f"{name}_walks_{method}.png",
            f"{name}: {method} random walks from real images (first column)",
            result.arrays["walks"],
            test.image_shape,
        )
    return figs


def _real_method(ctx, name, cfg, method, paths, test, n_generated):
    steps = {
        "transform": True,
        "inverse_transform": True,
        "sample": n_generated,
        "walk": walk_steps(ctx.profile) if method == "DiffusionVAE" else 0,
    }
    result = ctx.run(f"real {name}", method, cfg["n_components"], paths, steps)
    row = _row(result)
    if not result.ok:
        return row, {}
    back = result.arrays.get("reconstruction_test")
    if back is not None:
        row["roundtrip_mse"], row["roundtrip_relative"] = roundtrip_error(test.X, back)
    if "samples" in result.arrays:
        max_samples = ctx.profile.metric_max_samples
        row.update(_real_scores(result.arrays["samples"], test.X, max_samples))
    return row, _real_figures(ctx, name, method, result, test)


def _run_real_dataset(ctx, name, cfg):
    prof = ctx.profile
    data = load_dataset(name, cfg["n_train"] + cfg["n_test"], random_state=0)
    train, test = split(data, cfg["n_test"], random_state=0)
    n_walks = int(prof.real.get("n_walks", 4))
    paths = save_arrays(
        ctx.work, X_train=train.X, X_test=test.X, walk_start=test.X[:n_walks]
    )
    n_gen = min(prof.n_generated, len(test.X))
    rows, figs = [], {}
    figs["real"] = figures.image_grid(
        ctx.figures / f"{name}_real.png",
        f"{name}: real held-out images",
        test.X,
        test.image_shape,
        prof.real["grid"],
    )
    for method in prof.real["methods"]:
        unavailable = ctx.unavailable(method)
        if unavailable:
            rows.append(unavailable)
            continue
        row, method_figs = _real_method(ctx, name, cfg, method, paths, test, n_gen)
        rows.append(row)
        figs.update({f"{key} {method}": v for key, v in method_figs.items() if v})
    return {
        "dataset": name,
        "n_train": len(train.X),
        "n_test": len(test.X),
        "n_components": cfg["n_components"],
        "n_generated": n_gen,
        "rows": rows,
        "figures": figs,
    }


def run_real(ctx):
    """Run section 2, generative models on real images.

    Parameters
    ----------
    ctx : benchmarks.runner.Context
        The run.

    Returns
    -------
    section : dict
        ``cases``: per image set, rows of numbers and figure paths, or
        ``skipped`` with the reason (data not installed, not in profile).
    """
    cases = []
    for name in ("frey_faces", "fashion_mnist"):
        cfg = ctx.profile.real.get(name)
        if cfg is None:
            reason = f"not part of the {ctx.profile.name} profile"
            cases.append({"dataset": name, "skipped": reason})
            continue
        cases.append(ctx.case(f"real {name}", name, _run_real_dataset, name, cfg))
    return {"cases": cases}
