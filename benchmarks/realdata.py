"""Real-data generative section: Frey faces and Fashion-MNIST (issue 4, point 2).

For each image set the models are trained on a seeded training split; they
generate ``n_generated`` images (capped by the held-out size) and encode then
decode the held-out images. Scores against the held-out images: precision and
recall (k-NN supports) and Gromov-Wasserstein distance of the samples, and
the relative round-trip (reconstruction) error. Figures: a grid of real
held-out images, a grid of samples per model, and film strips of
``DiffusionVAE`` random walks started from real held-out images (the
paper's Frey-face walks). A missing dataset is reported and skipped.
"""

import numpy as np

from benchmarks import figures
from benchmarks.data import DataUnavailable, load_dataset, split
from benchmarks.manifold import roundtrip_error
from benchmarks.measure import save_arrays

__all__ = ["run"]

_VAES = ("DiffusionVAE", "GaussianVAE")


def _scores(samples, test, max_samples, seed):
    from skdvae import metrics

    out = {}
    if not np.all(np.isfinite(samples)):
        return {"errors": ["samples contain non-finite values"]}
    pr = metrics.precision_recall(test, samples)
    out["precision"], out["recall"] = pr.precision, pr.recall
    out["gromov_wasserstein"] = metrics.gromov_wasserstein(
        samples, test, max_samples, seed
    )
    return out


def _method(ctx, name, cfg, method, paths, test, n_generated):
    prof = ctx.profile
    steps = {
        "transform": True,
        "inverse_transform": True,
        "sample": n_generated,
        "walk": cfg_walk_steps(prof) if method == "DiffusionVAE" else 0,
    }
    params = prof.vae_params if method in _VAES else None
    result = ctx.run(f"real {name}", method, cfg["n_components"], paths, steps, params)
    row = result.summary()
    row["fit_s"] = result.time_s.get("fit")
    figs = {}
    if not result.ok:
        return row, figs
    back = result.arrays.get("reconstruction_test")
    if back is not None:
        row["roundtrip_mse"], row["roundtrip_relative"] = roundtrip_error(test.X, back)
    if "samples" in result.arrays:
        samples = result.arrays["samples"]
        row.update(_scores(samples, test.X, prof.metric_max_samples, 0))
        figs["samples"] = figures.image_grid(
            ctx.figures / f"{name}_samples_{method}.png",
            f"{name}: {method} samples",
            samples,
            test.image_shape,
            prof.real["grid"],
        )
    if "walks" in result.arrays:
        figs["walks"] = figures.filmstrips(
            ctx.figures / f"{name}_walks_{method}.png",
            f"{name}: {method} random walks from real images (first column)",
            result.arrays["walks"],
            test.image_shape,
        )
    return row, figs


def cfg_walk_steps(profile):
    """Steps of each random walk of the film strips."""
    return int(profile.real.get("n_steps", 10))


def _run_dataset(ctx, name, cfg):
    prof = ctx.profile
    data = load_dataset(name, cfg["n_train"] + cfg["n_test"], random_state=0)
    train, test = split(data, cfg["n_test"], random_state=0)
    n_walks = int(prof.real.get("n_walks", 4))
    paths = save_arrays(
        ctx.work, X_train=train.X, X_test=test.X, walk_start=test.X[:n_walks]
    )
    n_generated = min(prof.n_generated, len(test.X))
    rows, figs = [], {}
    figs["real"] = figures.image_grid(
        ctx.figures / f"{name}_real.png",
        f"{name}: real held-out images",
        test.X,
        test.image_shape,
        prof.real["grid"],
    )
    for method in prof.real["methods"]:
        ok, detail = ctx.available(method)
        if not ok:
            rows.append({"method": method, "status": "unavailable", "error": detail})
            continue
        row, method_figs = _method(ctx, name, cfg, method, paths, test, n_generated)
        rows.append(row)
        figs.update({f"{key} {method}": v for key, v in method_figs.items() if v})
    return {
        "dataset": name,
        "n_train": len(train.X),
        "n_test": len(test.X),
        "n_components": cfg["n_components"],
        "n_generated": n_generated,
        "rows": rows,
        "figures": figs,
    }


def run(ctx):
    """Run the real-data generative section of the profile.

    Parameters
    ----------
    ctx : benchmarks.context.Context
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
        try:
            cases.append(_run_dataset(ctx, name, cfg))
        except DataUnavailable as exc:
            ctx.progress(f"real {name}", "SKIPPED", exc)
            cases.append({"dataset": name, "skipped": str(exc)})
    return {"cases": cases}
