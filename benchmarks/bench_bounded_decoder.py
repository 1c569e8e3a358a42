"""Bounded decoder outputs against the paper's linear output layer (issue 9).

``DiffusionVAE(output_bounds="data")`` squashes each decoded feature into the
training data's range with a sigmoid; ``output_bounds=None`` is the paper's
linear last layer. The Gaussian-prior VAE of the benchmarks shares the
decoder module, so it is measured both ways too. Run::

    python -m benchmarks.bench_bounded_decoder --part frey [--seeds 0 1]
    python -m benchmarks.bench_bounded_decoder --part fashion [--n-train 5000]
    python -m benchmarks.bench_bounded_decoder --part loop [--seeds 0 1]

Frey faces: the split of :mod:`benchmarks.bench_detail_range` (1,700
training and 265 held-out images), ``n_components=3``, Gaussian VAE of latent
dimension 3 + 8; per fit seed, 1,000 samples: share outside the training
range widened by 10 % of its span, precision, recall, novelty, and for
``DiffusionVAE`` 200 walkers from held-out images taking 100 steps (share of
visited points outside the widened range; mean distance to the nearest
training image after the last step over that after the first).

Fashion-MNIST: the split of ``bench_generation --part fashion``,
``n_components=8``, Gaussian VAE of latent dimension 16; samples as many as
held-out images: precision, recall, novelty, Gromov-Wasserstein distance, fit
seconds, and for ``DiffusionVAE`` the ceiling row (training embeddings decoded
with ``u`` from their own image's posterior).

Loop: 2,000 points of the generative benchmark's loop, ``n_components=2``,
2,000 samples: mean distance to the true curve with unbounded outputs, with
the training range (``"data"``), and with the training range widened by
:data:`MARGIN` of its span on each side (given as a pair).

``--arms`` picks among ``bounded`` (``"data"``), ``unbounded`` (None) and
``widened`` (the training range widened by :data:`MARGIN`) for Frey faces
and Fashion-MNIST (default: the first two); ``--models`` picks the models.
"""

import argparse
import time
import warnings

from benchmarks import bench_generation as generation
from benchmarks.bench_detail_range import _scores, _split
from benchmarks.peers import make_estimator
from benchmarks.walks import RANGE_MARGIN, nearest_distance, outside_range
from skdvae import DiffusionVAE
from skdvae.datasets import distance_to_manifold, make_dataset

N_SAMPLES = 1000
N_WALKERS, N_STEPS = 200, 100
#: Widening of the training range in the "widened" arm, as a fraction of its span.
MARGIN = 0.05
#: The arms (output bounds) by name; ``--arms`` picks some.
ARMS = ("bounded", "unbounded", "widened")
#: The models compared; ``--models`` picks some.
MODELS = ("DiffusionVAE", "GaussianVAE")


def _bounds(arm, X):
    """``output_bounds`` of arm ``arm`` for training data ``X``."""
    if arm == "widened":
        low, high = X.min(axis=0), X.max(axis=0)
        margin = MARGIN * (high - low)
        return low - margin, high + margin
    return {"bounded": "data", "unbounded": None}[arm]


def _fit(kind, latent, seed, bounds, X):
    """A fitted model and its fit seconds."""
    if kind == "DiffusionVAE":
        model = DiffusionVAE(latent, random_state=seed, output_bounds=bounds)
    else:
        model = make_estimator("GaussianVAE", latent, seed, {"output_bounds": bounds})
    start = time.perf_counter()
    model.fit(X)
    return model, time.perf_counter() - start


def _fits(latents, arms, seeds, models, X):
    """Fit every chosen model for every arm and seed, in that order.

    Yields ``(kind, label, seed, model, fit seconds)``; ``latents`` maps each
    model to its latent dimension.
    """
    for kind, latent in latents.items():
        if kind not in models:
            continue
        for label in arms:
            for seed in seeds:
                model, fit_s = _fit(kind, latent, seed, _bounds(label, X), X)
                yield kind, label, seed, model, fit_s


def _walk_scores(vae, train, test, seed):
    """Outside share of the visited points and the distance ratio of the walk."""
    paths = vae.walk(test[:N_WALKERS], n_steps=N_STEPS, random_state=seed)
    visited = paths[:, 1:].reshape(-1, train.shape[1])
    outside = outside_range(visited, train.min(0), train.max(0), RANGE_MARGIN)
    first = nearest_distance(paths[:, 1], train).mean()
    last = nearest_distance(paths[:, -1], train).mean()
    return f"{outside:.3f} | {last / first:.2f}"


def frey(seeds, arms=ARMS[:2], models=MODELS):
    """Frey faces: range, precision, recall, novelty; walks of DiffusionVAE."""
    train, test = _split()
    print("model | output | seed | outside | precision | recall | novelty | ", end="")
    print("walk outside | walk distance ratio | fit s")
    print("---|---|---|---|---|---|---|---|---|---")
    print(f"held-out images | - | - | {_scores(test, train, test)} | | |")
    latents = {"DiffusionVAE": 3, "GaussianVAE": 11}
    for kind, label, seed, model, fit_s in _fits(latents, arms, seeds, models, train):
        samples = model.sample(N_SAMPLES, random_state=seed)
        walk = " | "
        if kind == "DiffusionVAE":
            walk = _walk_scores(model, train, test, seed)
        scores = _scores(samples, train, test)
        print(f"{kind} | {label} | {seed} | {scores} | {walk} | {fit_s:.0f}")


def fashion(seeds, n_train, arms=ARMS[:2], models=MODELS):
    """Fashion-MNIST: precision, recall, novelty, Gromov-Wasserstein."""
    data = generation._fashion(n_train)
    X, T, _ = data
    print(f"Fashion-MNIST, {len(X)} training, {len(T)} held-out images")
    print("arm | seed | precision | recall | novelty | GW | fit s")
    rows = {}
    latents = {"DiffusionVAE": 8, "GaussianVAE": 16}
    for kind, label, seed, model, fit_s in _fits(latents, arms, seeds, models, X):
        name = f"{kind} {label}"
        samples = model.sample(len(T), random_state=seed)
        generation._fashion_row(rows, name, seed, samples, data, fit_s)
        if kind == "DiffusionVAE":
            top = generation._at_embeddings(model, X, len(T), seed, True)
            generation._fashion_row(rows, f"{name} ceiling", seed, top, data)
    generation.print_means(rows, seeds)


def loop(seeds):
    """Loop: distance of samples to the curve, by output bounds."""
    print("output bounds | seed | mean distance to the curve | fit s")
    print("---|---|---|---")
    for seed in seeds:
        X = make_dataset("loop", 2000, random_state=seed)[0]
        arms = {
            "unbounded (None)": "unbounded",
            '"data"': "bounded",
            f"data range widened by {MARGIN:.0%}": "widened",
        }
        for label, arm in arms.items():
            model, fit_s = _fit("DiffusionVAE", 2, seed, _bounds(arm, X), X)
            samples = model.sample(2000, random_state=seed)
            distance = distance_to_manifold("loop", samples).mean()
            print(f"{label} | {seed} | {distance:.4f} | {fit_s:.0f}", flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("frey", "fashion", "loop"), required=True)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--n-train", type=int, default=5000)
    parser.add_argument("--arms", nargs="+", choices=ARMS, default=list(ARMS[:2]))
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS))
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    if args.part == "frey":
        frey(args.seeds, args.arms, args.models)
    elif args.part == "loop":
        loop(args.seeds)
    else:
        fashion(args.seeds, args.n_train, args.arms, args.models)


if __name__ == "__main__":
    main()
