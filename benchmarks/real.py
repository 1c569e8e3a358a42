"""Section 2: generative models on real images (Frey faces, Fashion-MNIST).

The models are trained on a seeded training split; they generate
``n_generated`` images (capped by the held-out size) and encode then decode
the held-out images. Scores against the held-out images: precision, recall
and Gromov-Wasserstein distance of the samples, the relative round-trip
(reconstruction) error, and the samples' *novelty*: the median distance of
the samples to their nearest training image over the same median for the
held-out images (about 1 for a generator of new images, near 0 for one that
returns stored training images or near-copies).

The Gaussian-prior VAE runs at three latent dimensions, each its own row:
DiffusionVAE's diffusion dimension (``n_components``), DiffusionVAE's total
latent dimension (``n_components + n_detail_components``: the *same total
latent dimension*, the fair comparison) and twice that total; the Gaussian
row with the highest recall is marked *best recall*.

Figures: a grid of real held-out images, a grid of samples per model, and
film strips of ``DiffusionVAE`` random walks from real held-out images (the
paper's Frey-face walks). Where the profile asks for it (Frey faces),
DiffusionVAE also takes long walks from held-out images (walk stability,
:mod:`benchmarks.walks`). A missing dataset is reported and skipped.

Seeds: the profile's ``real["seeds"]`` (default ``(0,)``) seed the models
and their samples; the data split is the same for every seed. The first seed
fits every row and draws the figures; each later seed repeats only the pair
the recall target compares (DiffusionVAE and the Gaussian VAE at the
:data:`SAME_TOTAL`), scores only, because a Gaussian VAE on 20,000
Fashion-MNIST images takes about 25 minutes. ``real["rows"] = "targets"``
restricts the first seed to that pair too. Each image set's ``summary``
gives the pair's means over the seeds, which the targets read.
"""

import re
from dataclasses import dataclass

import numpy as np

from benchmarks import figures, walks
from benchmarks.data import load_dataset, split
from benchmarks.embeddings import roundtrip_error
from benchmarks.generative import fidelity, result_row
from benchmarks.measure import save_arrays
from benchmarks.peers import make_estimator

__all__ = [
    "BEST",
    "SAME_TOTAL",
    "gaussian_latents",
    "novelty",
    "plan",
    "real_seeds",
    "run_real",
    "seed_summary",
    "walk_steps",
]

#: Role of the Gaussian VAE row whose latent dimension equals DiffusionVAE's total.
SAME_TOTAL = "same total latent dimension"
#: Role of the Gaussian VAE row with the highest recall.
BEST = "best recall"
#: The image sets of the section, in report order.
_DATASETS = ("frey_faces", "fashion_mnist")


@dataclass
class _Data:
    """One image set of the section, as every model run needs it."""

    name: str
    train: object
    test: object
    paths: dict
    n_generated: int
    held_out_distance: float


def gaussian_latents(profile, n_components):
    """DiffusionVAE's total latent dimension and the Gaussian VAE's dimensions.

    Parameters
    ----------
    profile : benchmarks.profiles.Profile
        The run's profile (its VAE settings give ``n_detail_components``).
    n_components : int
        DiffusionVAE's diffusion dimension.

    Returns
    -------
    n_detail : int
        DiffusionVAE's detail coordinates (its total latent dimension is
        ``n_components + n_detail``).
    dimensions : dict
        Latent dimension of each Gaussian VAE row to its roles
        (``"diffusion dimension"``, :data:`SAME_TOTAL`, ``"2x total"``).
    """
    params = profile.method_params("DiffusionVAE")
    reference = make_estimator("DiffusionVAE", n_components, 0, params)
    n_detail = int(reference.get_params().get("n_detail_components") or 0)
    total = n_components + n_detail
    dimensions = {}
    for dim, role in (
        (n_components, "diffusion dimension"),
        (total, SAME_TOTAL),
        (2 * total, "2x total"),
    ):
        dimensions.setdefault(dim, []).append(role)
    return n_detail, dimensions


def novelty(samples, X_train, held_out_distance):
    """Median distance of ``samples`` to the training set, relative to held-out.

    Parameters
    ----------
    samples : ndarray of shape (n_samples, n_features)
        Generated images.
    X_train : ndarray of shape (n_train, n_features)
        Training images.
    held_out_distance : float
        Median distance of held-out images to their nearest training image.

    Returns
    -------
    novelty : float
        About 1 for new images, near 0 for copies of training images.
    """
    distance = walks.nearest_distance(samples, X_train)
    return float(np.median(distance) / held_out_distance)


def walk_steps(profile):
    """Steps of each random walk of the film strips."""
    return int(profile.real.get("n_steps", 10))


def _slug(label):
    """File-name form of a row label, e.g. ``GaussianVAE_latent_11``."""
    return re.sub(r"_+", "_", re.sub(r"[^A-Za-z0-9]+", "_", label)).strip("_")


def _real_figures(ctx, data, label, result):
    """Sample grid and walk film strips of one model."""
    figs, name, shape = {}, data.name, data.test.image_shape
    if "samples" in result.arrays:
        figs["samples"] = figures.image_grid(
            ctx.figures / f"{name}_samples_{_slug(label)}.png",
            f"{name}: {label} samples",
            result.arrays["samples"],
            shape,
            ctx.profile.real["grid"],
        )
    if "walks" in result.arrays:
        figs["walks"] = figures.filmstrips(
            ctx.figures / f"{name}_walks_{_slug(label)}.png",
            f"{name}: {label} random walks from real images (first column)",
            result.arrays["walks"],
            shape,
        )
    return figs


def _steps(ctx, data, method):
    steps = {"transform": True, "inverse_transform": True}
    steps["sample"] = data.n_generated
    if method == "DiffusionVAE":
        steps["walk"] = walk_steps(ctx.profile)
        walk = walks.walk_config(ctx.profile, data.name)
        steps["long_walk"] = walk["n_steps"] if walk else 0
    return steps


def _scores(ctx, data, result):
    """Fidelity, novelty and round trip of one finished model."""
    scores = {}
    back = result.arrays.get("reconstruction_test")
    if back is not None:
        scores["roundtrip_mse"], scores["roundtrip_relative"] = roundtrip_error(
            data.test.X, back
        )
    samples = result.arrays.get("samples")
    if samples is None:
        return scores
    if not np.all(np.isfinite(samples)):
        return {**scores, "errors": ["samples contain non-finite values"]}
    found, errors = fidelity(samples, data.test.X, ctx.profile.metric_max_samples, 0)
    scores.update(found)
    scores["novelty"] = novelty(samples, data.train.X, data.held_out_distance)
    return {**scores, "errors": errors} if errors else scores


@dataclass(frozen=True)
class _Run:
    """One row to measure: a method at a latent dimension, with its label."""

    method: str
    n_components: int
    label: str
    role: str
    latent_dim: int


def real_seeds(profile):
    """Seeds of section 2; the first fits every row, the others the target pair."""
    found = tuple(profile.real.get("seeds", (0,)))
    if not found or len(set(found)) != len(found):
        raise ValueError(
            f"real['seeds'] must hold distinct seeds, at least one; got {found!r}."
        )
    return found


def _in_target_pair(method, role):
    """Whether a row is DiffusionVAE or the Gaussian VAE at :data:`SAME_TOTAL`."""
    return method == "DiffusionVAE" or SAME_TOTAL in (role or "")


def _runs(profile, n_components, targets_only=False):
    """The rows of one image set: every method, the Gaussian VAE thrice.

    With ``targets_only``, only the pair the recall target compares.
    """
    n_detail, dimensions = gaussian_latents(profile, n_components)
    runs = []
    for method in profile.real["methods"]:
        if method == "GaussianVAE":
            for dim, roles in dimensions.items():
                label = f"GaussianVAE (latent {dim})"
                runs.append(_Run(method, dim, label, ", ".join(roles), dim))
        elif method == "DiffusionVAE":
            role = f"{n_components} diffusion + {n_detail} detail coordinates"
            total = n_components + n_detail
            runs.append(_Run(method, n_components, method, role, total))
        else:
            runs.append(_Run(method, n_components, method, "", n_components))
    if targets_only:
        return [run for run in runs if _in_target_pair(run.method, run.role)]
    return runs


def _seed_runs(profile, n_components):
    """``(seed, run)`` of one image set in run order (see the module docstring)."""
    first, *later = real_seeds(profile)
    only = profile.real.get("rows", "all") == "targets"
    out = [(first, run) for run in _runs(profile, n_components, only)]
    for seed in later:
        out += [(seed, run) for run in _runs(profile, n_components, True)]
    return out


def _label(name, run, seed, first):
    """Progress label of row ``run`` at ``seed`` on image set ``name``."""
    label = f"real {name} latent {run.n_components}"
    return label if seed == first else f"{label} seed {seed}"


def plan(profile):
    """The fits of section 2 in run order, as ``(label, method)``."""
    keys, first = [], real_seeds(profile)[0]
    for name in _DATASETS:
        cfg = profile.real.get(name)
        if cfg is not None:
            runs = _seed_runs(profile, cfg["n_components"])
            keys += [(_label(name, run, seed, first), run.method) for seed, run in runs]
    return keys


def _real_method(ctx, data, run, seed):
    """Fit, sample and score one row ``run``; return the row and its figures.

    Only the first seed's DiffusionVAE takes walks and only the first seed
    draws figures; later seeds are scored on their samples alone.
    """
    first = real_seeds(ctx.profile)[0]
    steps = _steps(ctx, data, run.method)
    if seed != first:
        steps = {k: v for k, v in steps.items() if k not in ("walk", "long_walk")}
    label = _label(data.name, run, seed, first)
    result = ctx.run(label, run.method, run.n_components, data.paths, steps, seed=seed)
    row = result_row(result)
    row.update(method=run.label, latent_dim=run.latent_dim, role=run.role, seed=seed)
    if not result.ok:
        return row, {}
    row.update(_scores(ctx, data, result))
    if seed != first:
        return row, {}
    if run.method == "DiffusionVAE":
        train = data.train.X

        def distance(X):
            return walks.nearest_distance(X, train)

        walks.add_walk_scores(row, result, distance, train)
    return row, _real_figures(ctx, data, run.label, result)


def _mark_best(rows):
    """Add :data:`BEST` to the role of the Gaussian VAE row of highest recall.

    Only when at least two Gaussian VAE rows have a recall to compare.
    """
    gaussian = [
        r
        for r in rows
        if r["method"].startswith("GaussianVAE") and r.get("recall") is not None
    ]
    if len(gaussian) > 1:
        best = max(gaussian, key=lambda r: r["recall"])
        best["role"] = ", ".join(filter(None, [best.get("role"), BEST]))
    return rows


_MEANS = ("precision", "recall", "novelty", "gromov_wasserstein")


def seed_summary(rows):
    """Means over seeds of the target pair, one entry per model.

    Parameters
    ----------
    rows : list of dict
        Rows of one image set at every seed (each with ``seed``).

    Returns
    -------
    summary : list of dict
        Per model of the target pair: ``method``, ``role``, ``latent_dim``;
        ``seeds`` (every seed the model ran at, in run order) and ``recalls``
        (its recall at each, None where the fit failed or gave no recall);
        ``n_ok``, the seeds with a recall; and ``<score>_mean`` over those
        seeds for precision, recall, novelty and Gromov-Wasserstein (None
        when no seed gave the score).
    """
    out = []
    for row in rows:
        if row.get("seed") is None or not _in_target_pair(
            row["method"], row.get("role")
        ):
            continue
        if any(s["method"] == row["method"] for s in out):
            continue
        runs = [r for r in rows if r["method"] == row["method"]]
        recalls = [r.get("recall") if r.get("status") == "ok" else None for r in runs]
        ok = [r for r, recall in zip(runs, recalls) if recall is not None]
        entry = dict(method=row["method"], role=row.get("role"), n_ok=len(ok))
        entry.update(latent_dim=row.get("latent_dim"), recalls=recalls)
        entry["seeds"] = [r["seed"] for r in runs]
        for key in _MEANS:
            values = [r[key] for r in ok if r.get(key) is not None]
            entry[f"{key}_mean"] = float(np.mean(values)) if values else None
        out.append(entry)
    return out


def _load(ctx, name, cfg):
    """Split, held-out distances and array files of image set ``name``."""
    prof = ctx.profile
    raw = load_dataset(name, cfg["n_train"] + cfg["n_test"], random_state=0)
    train, test = split(raw, cfg["n_test"], random_state=0)
    walk = walks.walk_config(prof, name)
    paths = save_arrays(
        ctx.work,
        X_train=train.X,
        X_test=test.X,
        walk_start=test.X[: int(prof.real.get("n_walks", 4))],
        long_walk_start=test.X[: walk["n_walkers"]] if walk else None,
    )
    held_out = float(np.median(walks.nearest_distance(test.X, train.X)))
    n_gen = min(prof.n_generated, len(test.X))
    return _Data(name, train, test, paths, n_gen, held_out)


def _run_real_dataset(ctx, name, cfg):
    data = _load(ctx, name, cfg)
    rows, figs = [], {}
    figs["real"] = figures.image_grid(
        ctx.figures / f"{name}_real.png",
        f"{name}: real held-out images",
        data.test.X,
        data.test.image_shape,
        ctx.profile.real["grid"],
    )
    first, repeats = real_seeds(ctx.profile)[0], []
    for seed, run in _seed_runs(ctx.profile, cfg["n_components"]):
        unavailable = ctx.unavailable(run.method)
        if unavailable:
            row = {**unavailable, "method": run.label, "role": run.role, "seed": seed}
            (rows if seed == first else repeats).append(row)
            continue
        row, run_figs = _real_method(ctx, data, run, seed)
        (rows if seed == first else repeats).append(row)
        figs.update({f"{key} {run.label}": v for key, v in run_figs.items() if v})
    return {
        "dataset": name,
        "n_train": len(data.train.X),
        "n_test": len(data.test.X),
        "n_components": cfg["n_components"],
        "n_generated": data.n_generated,
        "held_out_distance": data.held_out_distance,
        "walks": walks.walk_config(ctx.profile, name),
        "rows": _mark_best(rows),
        "seeds": list(real_seeds(ctx.profile)),
        "repeats": repeats,
        "summary": seed_summary(rows + repeats),
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
    for name in _DATASETS:
        cfg = ctx.profile.real.get(name)
        if cfg is None:
            reason = f"not part of the {ctx.profile.name} profile"
            cases.append({"dataset": name, "skipped": reason})
            continue
        cases.append(ctx.case(f"real {name}", name, _run_real_dataset, name, cfg))
    return {"cases": cases}
