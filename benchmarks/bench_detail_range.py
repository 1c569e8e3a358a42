"""Frey faces: how often decoded samples leave the data's range, and why.

The walk-stability target asks that no visited point leaves the training
data's per-pixel range widened by 10 % of its span. This script measures that
fraction for held-out images, for ``DiffusionVAE`` samples with the detail
coordinates drawn at temperature ``tau`` (their prior's noise times ``tau``;
1 is the model, 0 the prior mean that ``inverse_transform`` uses) and for the
Gaussian-prior VAE of the benchmarks at the same latent dimension, each with
precision, recall (against held-out images) and novelty (median distance of
samples to the training set over that of held-out images)::

    python -m benchmarks.bench_detail_range [--seeds 0 1]

The full profile's sizes (1,700 training and 265 held-out images, of a fixed
permutation by ``RandomState(0)``, not the profile's own split);
``n_components=3``, other settings default.
"""

import argparse
import time
import warnings

import numpy as np
import torch
from sklearn.neighbors import NearestNeighbors

from benchmarks.gaussian_vae import GaussianVAE
from benchmarks.walks import RANGE_MARGIN, outside_range
from skdvae import DiffusionVAE
from skdvae.datasets import load_frey_faces
from skdvae.metrics import precision_recall
from skdvae.utils._torch import inference_copy, tensor64

TEMPERATURES = (1.0, 0.8, 0.6, 0.4, 0.0)
N_SAMPLES = 1000


def _split():
    X = load_frey_faces()
    X = np.asarray(X[0] if isinstance(X, tuple) else X, dtype=np.float64)
    order = np.random.RandomState(0).permutation(len(X))
    return X[order[:1700]], X[order[1700:1965]]


def _scores(points, train, test):
    low, high = train.min(axis=0), train.max(axis=0)
    outside = outside_range(points, low, high, RANGE_MARGIN)

    def nearest(A):
        return NearestNeighbors(n_neighbors=1).fit(train).kneighbors(A)[0][:, 0]

    precision, recall = precision_recall(test, points)
    novelty = np.median(nearest(points)) / np.median(nearest(test))
    return f"{outside:.3f} | {precision:.3f} | {recall:.3f} | {novelty:.2f}"


def _tempered_samples(vae, seed, tau):
    """Decodings of stationary draws of training embeddings at temperature tau."""
    rng = np.random.RandomState(seed)
    pi = vae.stationary_distribution_
    z = tensor64(vae.embedding_[rng.choice(len(pi), size=N_SAMPLES, p=pi)])
    module = inference_copy(vae.net_.module_)
    eps = torch.from_numpy(rng.standard_normal((N_SAMPLES, module.n_detail)))
    with torch.no_grad():
        return vae._to_data(module.generate(z, tau * eps).numpy())


def main(seeds):
    warnings.simplefilter("ignore")
    train, test = _split()
    print("model | seed | outside widened range | precision | recall | novelty")
    print("---|---|---|---|---|---")
    print(f"held-out images | - | {_scores(test, train, test)}")
    start = time.perf_counter()
    vae = DiffusionVAE(n_components=3, random_state=0).fit(train)
    fit_vae = time.perf_counter() - start
    for seed in seeds:
        scores = _scores(vae.sample(N_SAMPLES, random_state=seed), train, test)
        print(f"DiffusionVAE sample() | {seed} | {scores}")
        for tau in TEMPERATURES:
            scores = _scores(_tempered_samples(vae, seed, tau), train, test)
            print(f"DiffusionVAE, detail at tau={tau} | {seed} | {scores}")
    latent = 3 + vae.n_detail_components
    start = time.perf_counter()
    gauss = GaussianVAE(n_components=latent, random_state=0).fit(train)
    fit_gauss = time.perf_counter() - start
    for seed in seeds:
        scores = _scores(gauss.sample(N_SAMPLES, random_state=seed), train, test)
        print(f"Gaussian VAE, latent {latent} | {seed} | {scores}")
    print(f"\nfit seconds: DiffusionVAE {fit_vae:.0f}, Gaussian VAE {fit_gauss:.0f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    main(parser.parse_args().seeds)
