"""Speed of DiffusionVAE with default settings, and the encoder-route study.

Default run (the performance targets of the issue)::

    python benchmarks/bench_vae_speed.py

prints the time to fit on 5,000 torus points, to ``sample(10000)`` and to
``transform`` 10,000 points, with the estimator's defaults (``n_components=4``
for the torus, which needs four coordinates).

Route study (how the default ``encoder`` was chosen)::

    python benchmarks/bench_vae_speed.py --compare-routes

fits both encoder routes on the loop and the torus with otherwise default
settings and prints, per route: fit time, how much of the intrinsic angle
harmonics the learned coordinates explain on held-out points (R^2 of a linear
fit, 1 is perfect), held-out reconstruction error relative to the diameter,
the mean distance of 5,000 samples to the true manifold relative to the
diameter, and coverage: the intrinsic parameters are cut into equal bins (50
arcs of the loop, 10 x 10 cells of the torus angles), each sample takes the
bin of its nearest training point, and coverage is the fraction of bins hit.

Epoch cost on images (why DiffusionVAE's fit on many images is slow)::

    python -m benchmarks.bench_vae_speed --epoch-cost

fits the default model on 5,000 Fashion-MNIST images for 4 epochs per stage,
with the default ("auto", 512 wide on 784 pixels) decoder and with a (64, 64)
one, and prints the cost of one optimiser step of each stage and that cost
projected to an epoch over all 70,000 images.

Bounded decoder and training length (why the size grid's fit slowed)::

    OMP_NUM_THREADS=1 python -m benchmarks.bench_vae_speed --bounds

fits the default model on the size grid's 10,000-point Swiss roll
(``benchmarks.bench_scaling``, 2 components) with ``output_bounds="data"``
(the default) and ``None``, and prints the epochs of each stage and the fit
time (the bounded fit first, in the same process: it bears any one-off cost).

Walk-length study (how the default ``n_walk_steps`` was chosen)::

    python benchmarks/bench_vae_speed.py --walk-steps

fits the default model on the loop and the torus and prints, for walks of 0
to 30 steps from the stationary distribution, the median and 95th percentile
distance of 5,000 samples to the true manifold (relative to the diameter) and
the coverage defined above.
"""

import argparse
import functools
import os
import time
import warnings

import numpy as np
from sklearn.neighbors import NearestNeighbors

from skdvae import DiffusionVAE
from skdvae.datasets import distance_to_manifold, make_loop, make_torus


def _timed(fn, repeat=1):
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return out, best


def speed(n_fit=5000, n_sample=10000, seed=0):
    X, _ = make_torus(n_fit, random_state=seed)
    X_new, _ = make_torus(n_sample, random_state=seed + 1)
    model = DiffusionVAE(n_components=4, random_state=seed)
    _, t_fit = _timed(lambda: model.fit(X))
    _, t_sample = _timed(lambda: model.sample(n_sample), repeat=3)
    _, t_transform = _timed(lambda: model.transform(X_new), repeat=3)
    print(f"fit on {n_fit} torus points:        {t_fit:7.2f} s  (target < 60 s)")
    print(f"  stage-1 epochs {model.encoder_n_iter_}, stage-2 epochs {model.n_iter_}")
    print(f"sample({n_sample}):                  {t_sample:7.3f} s  (target < 2 s)")
    print(f"transform of {n_sample} points:      {t_transform:7.3f} s  (target << 1 s)")


def _loop_harmonics(s):
    # With alpha = 1 the leading eigenfunctions on a closed curve are the
    # first Fourier pair of the arc-length phase.
    grid = np.linspace(0.0, 2 * np.pi, 20001)
    speed_ = np.sqrt(
        np.sin(grid) ** 2 + 4 * np.cos(2 * grid) ** 2 + 9 * np.cos(3 * grid) ** 2
    )
    arc = np.concatenate(
        [[0], np.cumsum(0.5 * (speed_[1:] + speed_[:-1]) * np.diff(grid))]
    )
    phase = 2 * np.pi * np.interp(s, grid, arc) / arc[-1]
    return np.column_stack([np.cos(phase), np.sin(phase)])


def _torus_harmonics(params):
    theta, phi = params[:, 0], params[:, 1]
    return np.column_stack([np.cos(phi), np.sin(phi), np.cos(theta), np.sin(theta)])


def _r2(Z_train, F_train, Z_test, F_test):
    A = np.column_stack([Z_train, np.ones(len(Z_train))])
    coef = np.linalg.lstsq(A, F_train, rcond=None)[0]
    pred = np.column_stack([Z_test, np.ones(len(Z_test))]) @ coef
    return 1 - ((pred - F_test) ** 2).sum() / ((F_test - F_test.mean(0)) ** 2).sum()


def _coverage(X, bins, samples):
    nearest = NearestNeighbors(n_neighbors=1).fit(X).kneighbors(samples)[1][:, 0]
    return len(np.unique(bins[nearest])) / len(np.unique(bins))


def _study(name, data, n_components, encoder, seed, **params):
    X, F, bins, X_test, F_test = data
    diameter = np.ptp(X, axis=0).max()
    model = DiffusionVAE(
        n_components=n_components, encoder=encoder, random_state=seed, **params
    )
    _, t_fit = _timed(lambda: model.fit(X))
    r2 = _r2(model.transform(X), F, model.transform(X_test), F_test)
    recon = np.linalg.norm(
        model.inverse_transform(model.transform(X_test)) - X_test, axis=1
    )
    samples = model.sample(5000, random_state=seed)
    off = distance_to_manifold(name, samples).mean() / diameter
    print(
        f"{name:6s} {encoder:14s} fit {t_fit:6.1f} s  R2 {r2:6.3f}  "
        f"recon {recon.mean() / diameter:.4f}  off-manifold {off:.4f}  "
        f"coverage {_coverage(X, bins, samples):.3f}",
        flush=True,
    )


def walk_steps(seed=0):
    for name, make, n_components, n in (
        ("loop", make_loop, 2, 2000),
        ("torus", make_torus, 4, 5000),
    ):
        X, params = make(n, random_state=seed)
        if name == "loop":
            H = _loop_harmonics(params)
            bins = np.floor(25 * (np.arctan2(H[:, 1], H[:, 0]) / np.pi + 1))
        else:
            cells = np.floor(params / (2 * np.pi) * 10)
            bins = 10 * cells[:, 0] + cells[:, 1]
        model = DiffusionVAE(n_components=n_components, random_state=seed).fit(X)
        diameter = np.ptp(X, axis=0).max()
        for steps in (0, 1, 2, 5, 10, 30):
            samples = model.set_params(n_walk_steps=steps).sample(5000)
            off = distance_to_manifold(name, samples) / diameter
            print(
                f"{name:6s} steps {steps:3d}  off-manifold median {np.median(off):.4f}"
                f"  p95 {np.quantile(off, 0.95):.4f}"
                f"  coverage {_coverage(X, bins, samples):.3f}",
                flush=True,
            )


def compare_routes(seed=0, **params):
    X, s = make_loop(2000, random_state=seed)
    X_test, s_test = make_loop(1000, random_state=seed + 1)
    H = _loop_harmonics(s)
    loop = X, H, np.floor(25 * (np.arctan2(H[:, 1], H[:, 0]) / np.pi + 1)), X_test
    loop = (*loop, _loop_harmonics(s_test))
    T, p = make_torus(5000, random_state=seed)
    T_test, p_test = make_torus(1000, random_state=seed + 1)
    cells = np.floor(p / (2 * np.pi) * 10)
    torus = T, _torus_harmonics(p), 10 * cells[:, 0] + cells[:, 1], T_test
    torus = (*torus, _torus_harmonics(p_test))
    for encoder in ("diffusion_map", "spectralnet"):
        _study("loop", loop, 2, encoder, seed, **params)
        _study("torus", torus, 4, encoder, seed, **params)


def epoch_cost(n_images=5000, n_epochs=4, seed=0, full_size=70000):
    """Seconds per optimiser step of each stage on Fashion-MNIST images.

    Default settings with ``max_iter=n_epochs``, and the same with a
    (64, 64) decoder (whose detail networks share the hidden widths):
    the median epoch duration of each stage over the number of steps of an
    epoch, and that cost projected to one epoch over ``full_size`` images at
    the same batch size.
    """
    from benchmarks.data import load_dataset

    X = load_dataset("fashion_mnist", n_images, seed).X
    print(f"Fashion-MNIST, {n_images} images, load average {os.getloadavg()[0]:.2f}")
    print("decoder | stage | batch | ms per step | projected s per epoch at", full_size)
    for decoder in ("auto", (64, 64)):
        model = DiffusionVAE(
            random_state=seed, max_iter=n_epochs, decoder_hidden_layer_sizes=decoder
        ).fit(X)
        batch = model.net_.batch_size
        steps = int(np.ceil(len(model.X_fit_) / batch))
        nets = (("1", model.encoder_net_), ("2", model.net_))
        for stage, net in nets:
            per_step = float(np.median(net.history[:, "dur"])) / steps
            projected = per_step * np.ceil(full_size / batch)
            cost = f"{1000 * per_step:.1f} | {projected:.1f}"
            print(f"{decoder} | {stage} | {batch} | {cost}", flush=True)


def bounds(n_points=10000, seed=0):
    """Epochs and fit time with the bounded and the linear decoder output."""
    from benchmarks.data import load_dataset

    X = load_dataset("swiss_roll", n_points, seed).X
    print(f"Swiss roll, {n_points} points, load average {os.getloadavg()[0]:.2f}")
    for output_bounds in ("data", None):
        model = DiffusionVAE(
            n_components=2, output_bounds=output_bounds, random_state=seed
        )
        _, t_fit = _timed(functools.partial(model.fit_transform, X))
        print(
            f"output_bounds={output_bounds!r}: stage-1 epochs "
            f"{model.encoder_n_iter_}, stage-2 epochs {model.n_iter_}, "
            f"fit {t_fit:.1f} s, load average after it "
            f"{os.getloadavg()[0]:.2f}",
            flush=True,
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epoch-cost", action="store_true")
    parser.add_argument("--compare-routes", action="store_true")
    parser.add_argument("--walk-steps", action="store_true")
    parser.add_argument("--bounds", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-neighbors", type=int, default=None)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    if args.epoch_cost:
        epoch_cost(seed=args.seed)
    elif args.bounds:
        bounds(seed=args.seed)
    elif args.walk_steps:
        walk_steps(args.seed)
    elif args.compare_routes:
        params = {} if args.n_neighbors is None else {"n_neighbors": args.n_neighbors}
        compare_routes(args.seed, **params)
    else:
        speed(seed=args.seed)
