"""Gap ratios of connected and nearly disconnected data: DiffusionMap(split_gap).

Run ``python -m benchmarks.bench_near_disconnect [--out FILE]`` (about ten
minutes on 2 cores); the committed output is
``benchmarks/results/bench_near_disconnect.md``. The figures behind the default
``split_gap`` of :class:`skdvae.DiffusionMap` (``skdvae/diffusion_map/_pieces.py``).

For every connected component of the kernel graph (default settings:
15 neighbours, adaptive median bandwidth, alpha 1) the gap test computes the
ratios ``(1 - lambda_m) / (1 - lambda_{m-1})`` of its leading eigenvalues and
splits the component when one exceeds ``split_gap``; ``gap_ratios_`` holds the
largest ratio of each component. A component is *one piece* when all its
points (bridge points left out) carry the same true label: a manifold, one
circle, one Gaussian mode. It *must split* when it joins several true pieces
through bridge points. The dumbbells (two unit disks joined by a neck) are
connected manifolds whose neck sets how nearly disconnected they are: they are
reported apart, as the threshold's transition zone.

Part 1 measures the ratios at three sample sizes and three seeds. Part 2 fits
the bridged data at ``n_components=3`` with and without the split and measures
what the split is for: samples of ``DiffusionMap.sample`` on the circles and
the grid modes, and the fit time.
"""

import argparse
import itertools
import time
import warnings
from functools import partial

import numpy as np
from sklearn.metrics import adjusted_rand_score

from skdvae import DiffusionMap, DiffusionVAE
from skdvae.datasets import (
    GRID_STD,
    distance_to_manifold,
    gaussian_grid_centers,
    load_digits,
    load_frey_faces,
    make_circle,
    make_gaussian_grid,
    make_loop,
    make_s_curve,
    make_sphere,
    make_swiss_roll,
    make_torus,
    make_two_circles,
)
from skdvae.diffusion_map._pieces import SPLIT_GAP
from skdvae.metrics import mode_coverage

SIZES = (500, 1000, 2000)
# The grid needs more points: at 500, 20 points a mode, neighbourhoods span modes.
GRID_SIZES = (1000, 2000, 4000)
SEEDS = (0, 1, 2)
NECKS = (0.1, 0.2, 0.4, 0.8, 1.2)
# Grid modes (row, column) joined by bridges: a pair, and a chain of three.
GRID_BRIDGES = (((0, 0), (0, 1)), ((2, 2), (3, 2)), ((4, 1), (4, 2)), ((4, 2), (4, 3)))
MANIFOLDS = (
    ("loop", make_loop),
    ("circle", make_circle),
    ("sphere", make_sphere),
    ("torus", make_torus),
    ("Swiss roll", make_swiss_roll),
    ("S-curve", make_s_curve),
)


def _segment(a, b, n_points):
    """``n_points`` evenly spaced strictly between ``a`` and ``b``."""
    t = np.arange(1, n_points + 1) / (n_points + 1)
    return np.asarray(a) + t[:, None] * (np.asarray(b) - np.asarray(a))


def _with_bridge(X, labels, bridge):
    """Append bridge points, whose true label is -1 (left out of the truth)."""
    return np.vstack([X, bridge]), np.r_[labels, -np.ones(len(bridge), dtype=int)]


def two_circles_bridged(n, seed, n_bridge):
    """Two unit circles 4 apart, the bridge on the segment between them."""
    X, labels = make_two_circles(n, random_state=seed)
    return _with_bridge(X, labels, _segment((-2, 0), (2, 0), n_bridge))


def two_blobs_bridged(n, seed, n_bridge):
    """Gaussian blobs (std 0.5) at (-2, 0) and (2, 0), the bridge between."""
    rng = np.random.RandomState(seed)
    labels = rng.randint(0, 2, n)
    X = 0.5 * rng.standard_normal((n, 2)) + np.c_[4.0 * labels - 2.0, np.zeros(n)]
    return _with_bridge(X, labels, _segment((-2, 0), (2, 0), n_bridge))


def grid_bridged(n, seed, n_bridge):
    """The 5 x 5 Gaussian grid, ``n_bridge`` points between joined modes."""
    X, modes = make_gaussian_grid(n, random_state=seed)
    centres = gaussian_grid_centers().reshape(5, 5, 2)
    bridge = [_segment(centres[a], centres[b], n_bridge) for a, b in GRID_BRIDGES]
    return _with_bridge(X, modes, np.vstack(bridge))


def dumbbell(n, seed, neck):
    """Two unit disks centred 4 apart joined by a neck of width ``neck``."""
    rng = np.random.RandomState(seed)
    parts = []
    while sum(map(len, parts)) < n:
        P = rng.uniform([-3, -1], [3, 1], size=(4 * n, 2))
        disks = np.hypot(np.abs(P[:, 0]) - 2, P[:, 1]) <= 1
        tube = (np.abs(P[:, 0]) <= 1.5) & (np.abs(P[:, 1]) <= neck / 2)
        parts.append(P[disks | tube])
    return np.vstack(parts)[:n], np.zeros(n, dtype=int)


def strip(n, seed, aspect):
    """Uniform points on a flat ``aspect`` x 1 rectangle."""
    X = np.random.RandomState(seed).uniform(size=(n, 2)) * [aspect, 1.0]
    return X, np.zeros(n, dtype=int)


def _one(make):
    """A generator of a connected manifold: every point has true label 0."""
    return lambda n, seed: (make(n, random_state=seed)[0], np.zeros(n, dtype=int))


def _subsample(n, seed, X):
    index = np.sort(np.random.RandomState(seed).permutation(len(X))[:n])
    return X[index], np.zeros(len(index), dtype=int)


def _real_data():
    """Digits and, when the file is there, Frey faces (subsampled by seed)."""
    digits = load_digits()[0]
    real = [("digits", partial(_subsample, X=digits), (1000, len(digits)))]
    try:
        frey = load_frey_faces()
    except FileNotFoundError:
        return real
    return real + [("Frey faces", partial(_subsample, X=frey), (1000, len(frey)))]


def cases():
    """``(name, category, generator(n, seed), sizes)`` of part 1."""
    one = [(name, _one(make), SIZES) for name, make in MANIFOLDS]
    one += [(f"strip {a} x 1", partial(strip, aspect=a), SIZES) for a in (10, 20)]
    one += _real_data()
    one += [
        ("two circles, no bridge", partial(two_circles_bridged, n_bridge=0), SIZES),
        ("5 x 5 grid, no bridge", partial(grid_bridged, n_bridge=0), GRID_SIZES),
    ]
    sparse = [("strip 20 x 1", partial(strip, aspect=20), (400,))]
    zone = [(f"dumbbell, neck {w}", partial(dumbbell, neck=w), SIZES) for w in NECKS]
    split = [
        (f"two circles, bridge {b}", partial(two_circles_bridged, n_bridge=b), SIZES)
        for b in (1, 3, 5)
    ]
    split += [
        (f"two blobs, bridge {b}", partial(two_blobs_bridged, n_bridge=b), SIZES)
        for b in (1, 3, 5)
    ]
    split += [
        (f"5 x 5 grid, bridges of {b}", partial(grid_bridged, n_bridge=b), GRID_SIZES)
        for b in (1, 3)
    ]
    return [
        (name, category, make, sizes)
        for category, group in [
            ("one piece", one),
            ("sparse sample", sparse),
            ("dumbbell", zone),
            ("must split", split),
        ]
        for name, make, sizes in group
    ]


def _fit(X, seed, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        dm = DiffusionMap(3, random_state=seed, **params).fit(X)
    return dm, time.perf_counter() - start


def component_ratios(X, truth, seed, n_neighbors):
    """Largest gap ratio of each component, and whether it must split.

    Fitted with ``split_gap=None``, so ``component_labels_`` are the kernel
    graph's connected components, in the order of ``gap_ratios_``.
    """
    dm, _ = _fit(X, seed, split_gap=None, n_neighbors=n_neighbors)
    rows = []
    for c, ratio in enumerate(dm.gap_ratios_):
        inside = truth[(dm.component_labels_ == c) & (truth >= 0)]
        rows.append((float(ratio), np.unique(inside).size > 1))
    return rows


def _extreme(rows, multi):
    """Smallest ratio of the components that must split, else the largest."""
    values = [r for r, m in rows if m == multi and np.isfinite(r)]
    if not values:
        return np.nan
    return min(values) if multi else max(values)


def part_one():
    """Table of the measured ratios; returns its lines and its rows."""
    lines = [
        "| data | category | n_neighbors | n | gap ratio, seeds 0 / 1 / 2 |",
        "|---|---|---|---|---|",
    ]
    rows = []
    for name, category, make, sizes in cases():
        # DiffusionVAE's default of 30 neighbours at the middle size.
        for k, n in [*((15, n) for n in sizes), (30, sizes[len(sizes) // 2])]:
            values = []
            for seed in SEEDS:
                X, truth = make(n, seed)
                found = component_ratios(X, truth, seed, k)
                values.append(_extreme(found, category == "must split"))
            rows.append((name, category, k, n, values))
            shown = " / ".join(f"{v:.3g}" for v in values)
            lines.append(f"| {name} | {category} | {k} | {n} | {shown} |")
            print(lines[-1], flush=True)
    return lines, rows


def _quality(name, X, dm):
    """What the split is for: samples on the circles, grid modes covered."""
    if dm.n_features_in_ != 2 or "blobs" in name:
        return ""
    S = dm.sample(2000, random_state=0)
    if "circles" in name:
        off = np.mean(distance_to_manifold("two_circles", S) > 0.2)
        return f"{100 * off:.1f} % of samples off the circles"
    coverage = mode_coverage(S, gaussian_grid_centers(), GRID_STD)
    return (
        f"{coverage.n_modes_hit} modes, "
        f"{100 * coverage.high_quality_fraction:.0f} % high quality"
    )


def part_two(n=2000, seed=0):
    """Bridged data at ``n_components=3``, without and with the split."""
    lines = [
        "| data | split_gap | pieces (sizes) | ARI with truth | samples | fit time |",
        "|---|---|---|---|---|---|",
    ]
    sets = [
        *(("two circles, bridge", b, two_circles_bridged) for b in (1, 3, 5)),
        ("two blobs, bridge", 3, two_blobs_bridged),
        *(("5 x 5 grid, bridges of", b, grid_bridged) for b in (1, 3)),
    ]
    for name, b, make in sets:
        X, truth = make(n, seed, b)
        for split_gap in (None, SPLIT_GAP):
            dm, seconds = _fit(X, seed, split_gap=split_gap)
            keep = truth >= 0
            ari = adjusted_rand_score(truth[keep], dm.component_labels_[keep])
            sizes = np.sort(np.bincount(dm.component_labels_))[::-1]
            shown = ", ".join(map(str, sizes[:6])) + (", ..." if sizes.size > 6 else "")
            lines.append(
                f"| {name} {b} | {split_gap} | {dm.n_pieces_} ({shown}) | "
                f"{ari:.3f} | {_quality(name, X, dm)} | {seconds:.2f} s |"
            )
            print(lines[-1], flush=True)
    return lines


def _off_data(S, bridge):
    """Fraction of samples farther than 0.2 from both circles and the bridge."""
    off = distance_to_manifold("two_circles", S) > 0.2
    gap = np.min(np.linalg.norm(S[:, None] - bridge[None], axis=-1), axis=1)
    return float(np.mean(off & (gap > 0.2)))


def part_three(n=1000, seed=0):
    """Both estimators on two circles and a 3-point bridge, 15 or 30 neighbours.

    The bridge mass is the stationary probability of the bridge points: with
    alpha = 1 a point whose kernel row is nearly its own self-weight gets about
    as much as a whole neighbourhood, and the walk starts there that often.
    """
    lines = [
        "| model | n_neighbors | split_gap | pieces | bridge mass "
        "| samples off the data | fit time |",
        "|---|---|---|---|---|---|---|",
    ]
    X, truth = two_circles_bridged(n, seed, 3)
    for model_class in (DiffusionMap, DiffusionVAE):
        for k, split_gap in itertools.product((15, 30), (None, SPLIT_GAP)):
            model = model_class(3, n_neighbors=k, random_state=seed)
            if model_class is DiffusionVAE:
                model.set_params(diffusion_map_params={"split_gap": split_gap})
            else:
                model.set_params(split_gap=split_gap)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                start = time.perf_counter()
                model.fit(X)
            seconds = time.perf_counter() - start
            dm = getattr(model, "diffusion_map_", model)
            bridge = np.abs(model.X_fit_[:, 0]) < 1.5
            mass = model.stationary_distribution_[bridge].sum()
            off = _off_data(model.sample(2000, random_state=1), X[truth < 0])
            lines.append(
                f"| {model_class.__name__} | {k} | {split_gap} | {dm.n_pieces_} | "
                f"{mass:.3f} | {100 * off:.1f} % | {seconds:.1f} s |"
            )
            print(lines[-1], flush=True)
    return lines


def summary(rows):
    """Where the default threshold sits, and the cases it does not separate."""
    values = {}
    for _, category, _, _, found in rows:
        values.setdefault(category, []).extend(found)
    one, split = max(values["one piece"]), np.array(values["must split"])
    zone = values["dumbbell"]
    missed = [
        f"{name} at {k} neighbours and {n} points ({min(found):.3g})"
        for name, category, k, n, found in rows
        if category == "must split" and min(found) <= SPLIT_GAP
    ]
    return [
        f"- largest ratio of a component that is one piece: {one:.3g}",
        f"- components that must split: {np.sum(split > SPLIT_GAP)} of "
        f"{split.size} above the default split_gap = {SPLIT_GAP:g}; the "
        f"smallest above it: {split[split > SPLIT_GAP].min():.3g}",
        f"- dumbbells: {min(zone):.3g} to {max(zone):.3g}",
        "- the sparse strip (400 points; 15, then 30 neighbours): "
        + " / ".join(f"{v:.3g}" for v in values["sparse sample"]),
        "- at or below the default (smallest ratio): " + "; ".join(missed),
    ]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="also write the Markdown report here")
    args = parser.parse_args(argv)
    lines = ["# Gap ratios of connected and nearly disconnected data", ""]
    lines += ["`python -m benchmarks.bench_near_disconnect`", ""]
    lines += ["## Part 1: largest gap ratio per component", ""]
    table, rows = part_one()
    lines += table + ["", *summary(rows), ""]
    lines += ["## Part 2: bridged data at n_components=3, 2,000 points, seed 0", ""]
    lines += part_two() + [""]
    lines += ["## Part 3: two circles and a 3-point bridge, 1,003 points, seed 0", ""]
    lines += part_three()
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
