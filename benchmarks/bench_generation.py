"""The measurements behind DiffusionVAE's generative defaults (issue 9).

Run ``python -m benchmarks.bench_generation [--part detail|walks|starts|fashion|
bandwidth|all] [--seeds 0 1] [--n-train 5000|20000] [--fits ...] [--models DIR]``.

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

``fashion``: why DiffusionVAE samples of Fashion-MNIST are less diverse than a
Gaussian-prior VAE's (``--n-train`` 5,000 with 1,000 held-out images, or
20,000 with 2,000, the full profile's split). Per seed, one default model
(``n_components=8``, 8 detail coordinates) is fitted, then sampled with one
lever changed at a time: the walk bandwidth (``walk_bandwidth`` only sets
``walk_bandwidth_`` at the end of ``fit``, so scaling ``walk_bandwidth_`` of
the fitted model equals refitting), the walk's density by k-d tree or by
brute force, the temperature of the detail prior, and two decodings of the
training embeddings themselves (no walk; ``u`` from its prior, or from its
posterior given the image: the decoder's ceiling, near-copies). The k-d tree
density sums the 32 nearest embeddings only; the ``support`` lines count the
embeddings within ``walk_bandwidth_`` of draws of the walk's target density
and compare the two log-densities there. Refitted arms (``--fits``) change
the detail coordinates, the decoder or the training budget (refitted
DiffusionVAEs are sampled at the defaults and decoded at their training
embeddings both ways); the Gaussian VAE
at the same total latent dimension (16) on the same budget is the reference
(``gauss16``: 400 epochs, the benchmark's convention of twice DiffusionVAE's
``max_iter``; ``gauss16_epochs200``: 200 epochs, as many as DiffusionVAE's
decoder trains by default). ``--models DIR``
keeps the fitted estimators as pickles and reuses them (a fit is
deterministic given its seed).

``bandwidth``: the walk-bandwidth factors of ``fashion`` on the loop (2,000
points, D = 2), two circles (2,000, D = 3), the torus (3,000, D = 4) and Frey
faces (D = 3): mean distance of 2,000 samples to the true manifold (two
circles: share farther than 0.2 from both) and Gromov-Wasserstein distance to
a fresh sample; Frey faces: precision, recall, novelty, Gromov-Wasserstein.
"""

import argparse
import contextlib
import pickle
import time
import warnings
from pathlib import Path
from unittest import mock

import numpy as np
import torch

from benchmarks.data import load_dataset, split
from benchmarks.generative import fidelity, two_circle_scores
from benchmarks.peers import make_estimator
from benchmarks.real import novelty
from benchmarks.walks import bins_visited, nearest_distance
from skdvae import DiffusionVAE
from skdvae.datasets import distance_to_manifold, make_dataset
from skdvae.metrics import gromov_wasserstein, precision_recall
from skdvae.utils._torch import inference_copy, tensor64, torch_threads
from skdvae.vae import _walk
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
    """The paper's walk: encode, Gaussian step, decode, re-encode.

    Detail coordinates, which the paper does not have, are drawn at the
    library's default temperature, as ``model.walk`` draws them.
    """
    generator = torch.Generator().manual_seed(seed)
    encoder = inference_copy(model._encoder)
    transition = inference_copy(model.net_.module_)
    x, path = tensor64(X), []
    with torch_threads():
        for _ in range(n_steps):
            mu, chol = encoder(x), transition.covariance(x)
            eps = torch.randn(mu.shape, generator=generator, dtype=mu.dtype)
            z = mu + (chol @ eps.unsqueeze(-1)).squeeze(-1)
            eps_u = _walk.DETAIL_TEMPERATURE * torch.randn(
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


#: Held-out images per training size: 5,000 as ``--part starts``, 20,000 as
#: the full benchmark profile (``benchmarks/profiles.py``).
FASHION_TEST = {5000: 1000, 20_000: 2000}
#: Refitted arms of ``--part fashion``: model and settings (``max_iter``: per stage).
FASHION_FITS = {
    "default": ("DiffusionVAE", dict()),
    "detail16": ("DiffusionVAE", dict(n_detail_components=16)),
    "decoder1024": ("DiffusionVAE", dict(decoder_hidden_layer_sizes=(1024, 1024))),
    "epochs400": ("DiffusionVAE", dict(max_iter=400)),
    "gauss16": ("GaussianVAE", dict()),
    "gauss16_epochs200": ("GaussianVAE", dict(max_iter=100)),
}
#: Walk-bandwidth factors applied to the fitted ``walk_bandwidth_``.
FASHION_BANDWIDTHS = (2, 4, 8)
FASHION_TEMPERATURES = (1.25, 1.5)


def _fashion(n_train):
    raw = load_dataset("fashion_mnist", n_train + FASHION_TEST[n_train], 0)
    train, test = split(raw, FASHION_TEST[n_train], random_state=0)
    X, T = train.X.astype(np.float64), test.X.astype(np.float64)
    return X, T, float(np.median(nearest_distance(T, X)))


def _fitted(name, seed, X, models):
    """Fitted estimator of arm ``name`` and its fit time (None if loaded)."""
    path = models and Path(models) / f"{name}_{len(X)}_{seed}.pkl"
    if path and path.exists():
        with open(path, "rb") as f:
            return pickle.load(f), None
    method, params = FASHION_FITS[name]
    latent = 8 if method == "DiffusionVAE" else 16
    model = make_estimator(method, latent, seed, params)
    start = time.perf_counter()
    model.fit(X)
    fit_s = time.perf_counter() - start
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as f:
            pickle.dump(model, f)
    return model, fit_s


def _walk_sample(model, n, seed, factor=1.0, tree=None, temperature=None):
    """``model.sample`` with one lever changed (restored afterwards).

    ``temperature=None`` samples at the library's default detail temperature.
    """
    saved = model.walk_bandwidth_
    with contextlib.ExitStack() as stack:
        if tree is not None:
            stack.enter_context(
                mock.patch.object(_walk, "use_latent_search", lambda *a: tree)
            )
        model.walk_bandwidth_ = saved * factor
        try:
            return model.sample(n, random_state=seed, detail_temperature=temperature)
        finally:
            model.walk_bandwidth_ = saved


@torch.no_grad()
def _at_embeddings(model, X, n, seed, posterior):
    """Decode training embeddings drawn from ``pi``; ``u`` from prior or posterior."""
    rng = np.random.RandomState(seed)
    index = rng.choice(len(X), n, p=model.stationary_distribution_)
    transition = inference_copy(model.net_.module_)
    z = torch.as_tensor(model.embedding_[index], dtype=torch.float64)
    detail = transition.detail
    if posterior:
        mean, log_var = detail.posterior(tensor64(model._to_model(X[index])), z)
    else:
        mean, log_var = detail.prior(z)
    generator = torch.Generator().manual_seed(seed)
    eps = torch.randn(mean.shape, generator=generator, dtype=mean.dtype)
    decoded = transition.decoder(z, detail.draw(mean, log_var, eps)).numpy()
    return model._to_data(decoded)


def _spacing(model):
    """``walk_bandwidth_`` against the spacing of the training embeddings."""
    from sklearn.neighbors import NearestNeighbors

    E = model.embedding_
    dist = NearestNeighbors(n_neighbors=11).fit(E).kneighbors(E)[0]
    return (
        f"walk_bandwidth_ {model.walk_bandwidth_:.3g}, median distance to the "
        f"1st / 10th nearest embedding {np.median(dist[:, 1]):.3g} / "
        f"{np.median(dist[:, 10]):.3g}"
    )


def _support_line(model, seed, factor):
    """Embeddings within the bandwidth of the walk's states; tree against brute."""
    h = model.walk_bandwidth_ * factor
    E, pi = model.embedding_, model.stationary_distribution_
    index = np.random.RandomState(seed).choice(len(E), 2000, p=pi)
    supports = {}
    for tree in (False, True):
        with mock.patch.object(_walk, "use_latent_search", lambda *a, t=tree: t):
            supports[tree] = LatentSupport(E, pi, h)
    z = supports[False].draw(torch.as_tensor(index), torch.Generator().manual_seed(0))
    within = (torch.cdist(z, supports[False].reference) < h).sum(1).numpy()
    gap = (supports[True].log_density(z) - supports[False].log_density(z)).abs()
    print(
        f"support | {seed} | walk_bandwidth_ x{factor} = {h:.3g} | embeddings "
        f"within it: median {np.median(within):.0f}, max {within.max()}, share "
        f"above 32 {np.mean(within > 32):.3f} | max |log p tree - log p brute| "
        f"{gap.max():.2g}"
    )


def _fashion_arms(model, X, n, seed):
    """Samples of every post-fit arm of the default model, by row name."""
    arms = {"default (walk_bandwidth=0.5)": model.sample(n, random_state=seed)}
    for factor in FASHION_BANDWIDTHS:
        name = f"walk_bandwidth={0.5 * factor:g} ({factor}x)"
        arms[name] = _walk_sample(model, n, seed, factor)
    for factor in (1, FASHION_BANDWIDTHS[-1]):
        for tree in (False, True):
            density = "k-d tree" if tree else "brute-force"
            name = f"{factor}x bandwidth, {density} density"
            arms[name] = _walk_sample(model, n, seed, factor, tree)
    for temp in FASHION_TEMPERATURES:
        arms[f"detail prior temperature {temp}"] = _walk_sample(
            model, n, seed, temperature=temp
        )
    arms["no walk: z = e_i, u ~ p(u | z)"] = _at_embeddings(model, X, n, seed, False)
    arms["ceiling: z = e_i, u ~ q(u | x_i, z)"] = _at_embeddings(
        model, X, n, seed, True
    )
    return arms


def _fashion_row(rows, name, seed, samples, data, fit_s=None):
    X, T, base = data
    scores, _ = fidelity(samples, T, 1000, 0)
    scores["novelty"] = novelty(samples, X, base)
    rows.setdefault(name, []).append(scores)
    fit = "" if fit_s is None else f"{fit_s:.0f}"
    print(
        f"{name} | {seed} | {scores['precision']:.3f} | {scores['recall']:.3f} | "
        f"{scores['novelty']:.2f} | {scores['gromov_wasserstein']:.4f} | {fit}",
        flush=True,
    )


def _epochs_line(name, seed, model):
    """Epochs each training stage of a fitted DiffusionVAE ran."""
    stages = f"stage 1 {model.encoder_n_iter_}, stage 2 {model.n_iter_}"
    print(f"epochs | {name} | {seed} | {stages}")


def print_means(rows, seeds):
    """One line per arm: its scores averaged over ``seeds``."""
    print(f"mean over seeds {list(seeds)} | precision | recall | novelty | GW")
    for name, scores in rows.items():
        mean = {k: np.mean([s[k] for s in scores]) for k in scores[0]}
        print(
            f"{name} | {mean['precision']:.3f} | {mean['recall']:.3f} | "
            f"{mean['novelty']:.2f} | {mean['gromov_wasserstein']:.4f}"
        )


def fashion(seeds, n_train=5000, fits=("default", "gauss16"), models=None):
    """Which lever closes the recall gap of Fashion-MNIST samples."""
    data = _fashion(n_train)
    X, T, _ = data
    print(f"Fashion-MNIST, {len(X)} training, {len(T)} held-out images")
    print("arm | seed | precision | recall | novelty | GW | fit s")
    rows = {}
    for seed in seeds:
        for name in dict.fromkeys(fits):
            model, fit_s = _fitted(name, seed, X, models)
            if name != "default":
                samples = model.sample(len(T), random_state=seed)
                _fashion_row(rows, f"fit: {name}", seed, samples, data, fit_s)
                if FASHION_FITS[name][0] == "DiffusionVAE":
                    _epochs_line(name, seed, model)
                    for posterior, arm in ((False, "no walk"), (True, "ceiling")):
                        samples = _at_embeddings(model, X, len(T), seed, posterior)
                        _fashion_row(rows, f"fit: {name}, {arm}", seed, samples, data)
                continue
            for arm, samples in _fashion_arms(model, X, len(T), seed).items():
                _fashion_row(rows, arm, seed, samples, data, fit_s)
                fit_s = None
            _epochs_line(name, seed, model)
            for factor in (1, FASHION_BANDWIDTHS[-1]):
                _support_line(model, seed, factor)
            print(f"spacing | {seed} | {_spacing(model)}")
    print_means(rows, seeds)


def _synthetic_scores(name, samples, seed):
    fresh = make_dataset(name, len(samples), random_state=seed + 1000)[0]
    gw = gromov_wasserstein(samples, fresh, 1000, 0)
    if name == "two_circles":
        return f"off both circles {two_circle_scores(samples)['off_circles']:.3f}", gw
    return f"distance {distance_to_manifold(name, samples).mean():.4f}", gw


def bandwidth(seeds):
    """Side effects of the walk-bandwidth factors on the other data sets."""
    print("data | seed | walk_bandwidth_ factor | scores | GW")
    cases = {"loop": (2000, 2), "two_circles": (2000, 3), "torus": (3000, 4)}
    for name, (n, dim) in [*cases.items(), ("frey_faces", (None, 3))]:
        for seed in seeds:
            if name == "frey_faces":
                X, T = _frey()
            else:
                X = make_dataset(name, n, random_state=seed)[0]
            model = DiffusionVAE(dim, random_state=seed).fit(X)
            print(f"{name} | {seed} | spacing | {_spacing(model)}")
            for factor in (1, *FASHION_BANDWIDTHS):
                if name == "frey_faces":
                    samples = _walk_sample(model, len(T), seed, factor)
                    scores, _ = fidelity(samples, T, 1000, 0)
                    text = (
                        f"precision {scores['precision']:.3f}, recall "
                        f"{scores['recall']:.3f}, novelty "
                        f"{novelty(samples, X, np.median(nearest_distance(T, X))):.2f}"
                    )
                    gw = scores["gromov_wasserstein"]
                else:
                    samples = _walk_sample(model, 2000, seed, factor)
                    text, gw = _synthetic_scores(name, samples, seed)
                print(f"{name} | {seed} | {factor} | {text} | {gw:.4f}", flush=True)


def main(argv=None):
    """Command line."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_generation")
    parser.add_argument(
        "--part",
        choices=("detail", "walks", "starts", "fashion", "bandwidth", "all"),
        default="all",
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--n-train", type=int, choices=FASHION_TEST, default=5000)
    parser.add_argument(
        "--fits", nargs="+", choices=FASHION_FITS, default=["default", "gauss16"]
    )
    parser.add_argument("--models", help="folder of fitted estimators to reuse")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    if args.part in ("detail", "all"):
        detail(args.seeds)
    if args.part in ("walks", "all"):
        walks()
    if args.part in ("starts", "all"):
        starts()
    if args.part in ("fashion", "all"):
        fashion(args.seeds, args.n_train, args.fits, args.models)
    if args.part in ("bandwidth", "all"):
        bandwidth(args.seeds)


if __name__ == "__main__":
    main()
