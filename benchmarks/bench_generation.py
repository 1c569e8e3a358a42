"""The measurements behind DiffusionVAE's generative defaults (issue 9).

Run ``python -m benchmarks.bench_generation [--part detail|walks|all] [--seeds 0 1]``.

``detail``: Frey faces (1,700 training, 265 held-out images, the benchmark's split)
at ``n_components=3``: precision, recall, novelty (median distance of samples to the
training set over that of held-out images; about 1 for a generator, near 0 for a
copier), Gromov-Wasserstein distance and round-trip error of DiffusionVAE without
and with detail coordinates and with a narrow or data-wide decoder.

``walks``: 100-step walks from 200 training points of the loop, the torus and Frey
faces: mean distance to the data after 1 and 100 steps for the paper's walk
(encode, step, decode, re-encode) and for skdvae's Metropolis-Hastings latent walk,
the fraction of points outside the data's range (enlarged by 5 % of it), and, for
the loop, the number of the 20 equal bins of the curve parameter that the pooled
walkers visit.

``starts``: Fashion-MNIST (5,000 training, 1,000 held-out images) at
``n_components=8``: sample quality when the walkers start from the walk's
stationary distribution (the default) or uniformly over the training points.
"""

import argparse
import time
import warnings

import numpy as np
import torch

from benchmarks.data import load_dataset, split
from benchmarks.real import novelty
from benchmarks.walks import bins_visited, nearest_distance
from skdvae import DiffusionVAE
from skdvae.datasets import distance_to_manifold, make_dataset
from skdvae.metrics import gromov_wasserstein, precision_recall
from skdvae.utils._torch import inference_copy, tensor64, torch_threads
from skdvae.vae._walk import LatentSupport, latent_walk

DETAIL_CONFIGS = {
    "paper (no detail, decoder 64)": dict(
        n_detail_components=0, decoder_hidden_layer_sizes=(64, 64)
    ),
    "no detail, decoder auto": dict(n_detail_components=0),
    "8 detail, decoder 64": dict(decoder_hidden_layer_sizes=(64, 64)),
    "8 detail, decoder auto (default)": dict(),
}


def _frey():
    train, test = split(load_dataset("frey_faces"), 265, random_state=0)
    return train.X.astype(np.float64), test.X.astype(np.float64)


def detail(seeds):
    """Sample quality on Frey faces for each decoder configuration."""
    train, test = _frey()
    base = float(np.median(nearest_distance(test, train)))
    print("config | seed | precision | recall | novelty | GW | round trip | fit s")
    for name, params in DETAIL_CONFIGS.items():
        for seed in seeds:
            start = time.perf_counter()
            model = DiffusionVAE(3, random_state=seed, **params).fit(train)
            fit_s = time.perf_counter() - start
            samples = model.sample(len(test), random_state=seed)
            pr = precision_recall(test, samples)
            new = novelty(samples, train, base)
            gw = gromov_wasserstein(samples, test, 1000, seed)
            back = model.inverse_transform(model.transform(test))
            rt = np.sum((back - test) ** 2) / np.sum((test - test.mean(0)) ** 2)
            print(
                f"{name} | {seed} | {pr.precision:.3f} | {pr.recall:.3f} | "
                f"{new:.2f} | {gw:.4f} | {rt:.3f} | {fit_s:.0f}"
            )


@torch.no_grad()
def _paper_walk(model, X, n_steps, seed):
    """The paper's walk: encode, Gaussian step, decode, re-encode."""
    generator = torch.Generator().manual_seed(seed)
    encoder = inference_copy(model._encoder)
    transition = inference_copy(model.net_.module_)
    x, path = tensor64(X), []
    with torch_threads():
        for _ in range(n_steps):
            mu, chol = encoder(x), transition.covariance(x)
            eps = torch.randn(mu.shape, generator=generator, dtype=mu.dtype)
            z = mu + (chol @ eps.unsqueeze(-1)).squeeze(-1)
            eps_u = torch.randn(
                (len(z), transition.n_detail), generator=generator, dtype=z.dtype
            )
            x = transition.generate(z, eps_u if transition.n_detail else None)
            path.append(x.numpy())
    return np.stack(path, 1)


def _distance(name, X_train, points):
    if name == "frey_faces":
        return nearest_distance(points, X_train)
    return distance_to_manifold(name, points)


def _walk_rows(name, X, params, model):
    starts = X[np.random.default_rng(0).choice(len(X), 200, replace=False)]
    walks = {
        "paper (re-encode)": _paper_walk(model, starts, 100, 0),
        "latent MH (skdvae)": model.walk(starts, n_steps=100, random_state=0)[:, 1:],
    }
    lo, hi = X.min(0), X.max(0)
    margin = 0.05 * (hi - lo)
    for walk, paths in walks.items():
        flat = paths.reshape(-1, X.shape[1])
        dist = _distance(name, X, flat).reshape(paths.shape[:2])
        finite = np.isfinite(dist)
        outside = np.mean(np.any((flat < lo - margin) | (flat > hi + margin), axis=1))
        bins = ""
        if name == "loop":
            bins = bins_visited(flat, X, params[:, 0])
        d1, d100 = (
            dist[:, 0].mean(),
            np.where(finite[:, -1], dist[:, -1], np.inf).mean(),
        )
        print(
            f"{name} | {walk} | {d1:.4g} | {d100:.4g} | {d100 / d1:.3g} | "
            f"{outside:.3f} | {bins}"
        )


def walks():
    """Paper's walk against the latent Metropolis-Hastings walk."""
    print("data | walk | mean distance, 1 step | 100 steps | ratio | outside | bins")
    cases = {"loop": (2000, 2), "torus": (3000, 4), "frey_faces": (None, 3)}
    for name, (n, n_components) in cases.items():
        if name == "frey_faces":
            X, params = _frey()[0], None
        else:
            X, params = make_dataset(name, n, random_state=0)
            params = np.asarray(params).reshape(len(X), -1)
        model = DiffusionVAE(n_components, random_state=0).fit(X)
        with np.errstate(over="ignore", invalid="ignore"):
            _walk_rows(name, X, params, model)


def _samples_from(model, weights, seed=0):
    """One-step samples whose walkers start from ``weights`` on the embeddings."""
    start = np.random.RandomState(seed).choice(len(weights), 1000, p=weights)
    generator = torch.Generator().manual_seed(seed)
    support = LatentSupport(model.embedding_, weights, model.walk_bandwidth_)
    with torch_threads():
        z = support.draw(torch.as_tensor(start), generator)
        paths, _ = latent_walk(
            z, 1, inference_copy(model.net_.module_), support, generator
        )
    return paths[:, -1].numpy()


def starts():
    """Stationary against uniform start weights on Fashion-MNIST."""
    train, test = split(load_dataset("fashion_mnist", 6000, 0), 1000, random_state=0)
    X, T = train.X.astype(np.float64), test.X.astype(np.float64)
    model = DiffusionVAE(8, random_state=0).fit(X)
    pi = model.stationary_distribution_
    print(f"stationary distribution max / min: {pi.max() / pi.min():.2f}")
    print("start weights | precision | recall | GW")
    for name, weights in (
        ("stationary", pi),
        ("uniform", np.full(len(pi), 1 / len(pi))),
    ):
        samples = _samples_from(model, weights)
        pr = precision_recall(T, samples)
        gw = gromov_wasserstein(samples, T, 1000, 0)
        print(f"{name} | {pr.precision:.3f} | {pr.recall:.3f} | {gw:.4f}")


def main(argv=None):
    """Command line."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_generation")
    parser.add_argument(
        "--part", choices=("detail", "walks", "starts", "all"), default="all"
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    if args.part in ("detail", "all"):
        detail(args.seeds)
    if args.part in ("walks", "all"):
        walks()
    if args.part in ("starts", "all"):
        starts()


if __name__ == "__main__":
    main()
