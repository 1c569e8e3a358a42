"""Markdown of the generative sections: synthetic manifolds and real images.

Section 1 (:func:`generative_section`) has one table per dataset and latent
dimension, with the two-circle scores where they apply and the walk
stability of DiffusionVAE on the datasets it walks on; section 2
(:func:`real_section`) has one table per image set, the Gaussian VAE at
several latent dimensions with their roles, the walk stability on Frey faces
and the figures. Nothing is computed here.
"""

from benchmarks.data import display_name
from benchmarks.real import BEST, SAME_TOTAL
from benchmarks.report_tables import figure, fmt, pm, section_lines, status_cell, table
from benchmarks.walks import N_BINS, RANGE_MARGIN

__all__ = ["generative_section", "real_section", "walk_table"]

_GEN_HEADERS = [
    "model",
    "seeds ok",
    "Gromov-Wasserstein ↓",
    "dist. to manifold ↓",
    "dist. q90 ↓",
    "precision ↑",
    "recall ↑",
    "Betti per seed",
    "Betti = truth",
    "modes hit",
    "bi-Lipschitz mean ↓",
    "bi-Lipschitz median ↓",
    "fit s",
]
#: Extra columns of the two-circles tables: header and key.
_CIRCLE_COLUMNS = (
    ("off both circles (> 0.2) ↓", "off_circles"),
    ("smaller circle's share (0.5 = even)", "minor_circle_share"),
)


def _mean(s, key, digits=3, fixed=False):
    return pm(s.get(f"{key}_mean"), s.get(f"{key}_std"), digits, fixed)


def _gen_row(s, extra=()):
    betti = "; ".join(str(tuple(b)) if b else "-" for b in s.get("betti", [])) or "-"
    return [
        s["method"],
        f"{s['n_ok']}/{s['n_seeds']}",
        _mean(s, "gromov_wasserstein"),
        _mean(s, "manifold_distance_mean"),
        _mean(s, "manifold_distance_q90"),
        _mean(s, "precision"),
        _mean(s, "recall"),
        betti,
        f"{s['betti_matches']}/{s['n_ok']}",
        _mean(s, "modes_hit", 1, True),
        _mean(s, "bilipschitz_mean", 2),
        _mean(s, "bilipschitz_median", 2),
        _mean(s, "fit_s", 1, True),
        *(_mean(s, key) for _, key in extra),
    ]


_WALK_HEADERS = [
    "model",
    "walkers x steps",
    "dist. after 1 step",
    "dist. after last step",
    "ratio (target ≤ 2)",
    f"outside range ± {RANGE_MARGIN:.0%} of span (target 0)",
    "outside strict range",
    "acceptance",
    f"bins visited (of {N_BINS})",
]
_WALK_KEYS = (
    "walk_distance_1",
    "walk_distance_T",
    "walk_distance_ratio",
    "walk_outside",
    "walk_outside_strict",
    "walk_acceptance",
    "walk_bins",
)


def _walk_cells(row, averaged, keys):
    if averaged:
        return [_mean(row, k, 1 if k == "walk_bins" else 3) for k in keys]
    return [fmt(row.get(key)) for key in keys]


def walk_table(row, averaged):
    """Walk stability of one DiffusionVAE row (or seed summary), as Markdown lines.

    ``averaged`` rows carry ``<key>_mean`` and ``<key>_std`` (over seeds);
    the others the numbers themselves. A second row scores the start points
    (held-out data) against the same range. No walk numbers: no lines.
    """
    suffix = "_mean" if averaged else ""
    if row.get(f"walk_distance_1{suffix}") is None:
        return []
    walkers = "{:.0f} x {:.0f}".format(
        row.get(f"walk_n_walkers{suffix}"), row.get(f"walk_n_steps{suffix}")
    )
    start_keys = ("walk_outside_start", "walk_outside_strict_start")
    start = ["-", "-", "-", *_walk_cells(row, averaged, start_keys), "-", "-"]
    intro = (
        "Walk stability: DiffusionVAE walkers start from held-out points and "
        "take `walk` steps; distances are means over walkers, the fractions "
        "are over every visited point (steps 1 to the last). The row *start "
        "points* scores the held-out start points against the same range."
    )
    rows = [
        [row["method"], walkers, *_walk_cells(row, averaged, _WALK_KEYS)],
        ["start points (held-out data)", "-", *start],
    ]
    return [intro, "", table(_WALK_HEADERS, rows), ""]


def _generative_case(case):
    lines = [
        f"### {display_name(case['dataset'])} ({case['n_train']:,} training "
        f"points, latent dimension {case['n_components']}, seeds "
        f"{', '.join(map(str, case['seeds']))})",
        "",
    ]
    if case.get("note"):
        lines += [case["note"], ""]
    extra = _CIRCLE_COLUMNS if case["dataset"] == "two_circles" else ()
    headers = _GEN_HEADERS + [header for header, _ in extra]
    rows = [_gen_row(s, extra) for s in case["summary"]]
    lines += [table(headers, rows), ""]
    for s in case["summary"]:
        if s["method"] == "DiffusionVAE":
            lines += walk_table(s, averaged=True)
    name = display_name(case["dataset"])
    caption = f"{name} samples at latent dimension {case['n_components']}"
    return lines + figure(case.get("figure"), caption)


def _generative_intro(section):
    text = (
        "DiffusionVAE, a Gaussian-prior VAE of the same size and training "
        "budget, and `DiffusionMap.sample` learn a synthetic manifold with a "
        f"known shape; each generates {section['n_generated']:,} points, "
        "scored against a fresh sample of the true distribution (mean ± "
        "standard deviation over seeds). VAE budget overrides: "
        f"`{section['vae_params'] or 'none (DiffusionVAE defaults)'}`. On the "
        "loop and the torus, DiffusionVAE's walkers also take long random "
        "walks from held-out points (walk stability). The figures draw each "
        "model's samples in red over the training points in grey, all panels "
        "on the same axes."
    )
    return [text, ""]


def generative_section(section):
    """Section 1: generative fidelity on the synthetic manifolds."""
    title = "## 1. Generative fidelity on synthetic manifolds"
    return section_lines(title, section, _generative_case, _generative_intro)


_REAL_HEADERS = [
    "model",
    "status",
    "latent dim.",
    "role",
    "precision ↑",
    "recall ↑",
    "novelty (≈ 1; near 0: copies)",
    "Gromov-Wasserstein ↓",
    "round-trip error (rel.) ↓",
    "fit s",
]


def _real_row(r):
    return [
        r["method"],
        status_cell(r),
        fmt(r.get("latent_dim")),
        r.get("role") or "",
        fmt(r.get("precision")),
        fmt(r.get("recall")),
        fmt(r.get("novelty")),
        fmt(r.get("gromov_wasserstein")),
        fmt(r.get("roundtrip_relative")),
        fmt(r.get("fit_s"), 1),
    ]


def _gaussian_roles(rows):
    """A sentence naming the fair and the best Gaussian VAE rows."""
    same = [r["method"] for r in rows if SAME_TOTAL in (r.get("role") or "")]
    best = [r["method"] for r in rows if BEST in (r.get("role") or "")]
    if not (same or best):
        return []
    text = (
        f"Gaussian VAE at the {SAME_TOTAL} as DiffusionVAE (diffusion plus "
        f"detail coordinates): **{same[0] if same else '-'}**"
    )
    text += f"; the Gaussian VAE with the best recall: **{best[0]}**." if best else "."
    return [text, ""]


_SEED_HEADERS = [
    "model",
    "latent dim.",
    "seeds ok",
    "recall per seed",
    "precision ↑",
    "recall ↑",
    "novelty (≈ 1; near 0: copies)",
    "Gromov-Wasserstein ↓",
]


def _seed_table(case):
    """Means over seeds of the target pair, when the profile ran several seeds."""
    seeds = case.get("seeds") or []
    if len(seeds) < 2:
        return []
    rows = [
        [
            s["method"],
            fmt(s.get("latent_dim")),
            f"{s['n_ok']}/{len(seeds)}",
            ", ".join(fmt(r) for r in s["recalls"]) or "-",
            *(fmt(s.get(f"{k}_mean")) for k in ("precision", "recall", "novelty")),
            fmt(s.get("gromov_wasserstein_mean")),
        ]
        for s in case.get("summary", [])
    ]
    text = (
        f"Over seeds {', '.join(str(s) for s in seeds)} (the table above is "
        f"seed {seeds[0]}): DiffusionVAE and the Gaussian VAE at the "
        f"{SAME_TOTAL}, the pair the recall target compares, refitted with "
        "each seed on the same images; means over the seeds."
    )
    return [text, "", table(_SEED_HEADERS, rows), ""]


def _real_case(case):
    name = display_name(case["dataset"])
    lines = [
        "",
        f"### {name} ({case['n_train']:,} training, {case['n_test']:,} "
        f"held-out images, diffusion dimension {case['n_components']}, "
        f"{case['n_generated']:,} samples)",
        "",
        "Held-out images lie at a median distance of "
        f"{fmt(case.get('held_out_distance'))} from their nearest training "
        "image (the unit of novelty and of the walk distances).",
        "",
        table(_REAL_HEADERS, [_real_row(r) for r in case["rows"]]),
        "",
        *_gaussian_roles(case["rows"]),
        *_seed_table(case),
    ]
    for row in case["rows"]:
        if row["method"] == "DiffusionVAE":
            lines += walk_table(row, averaged=False)
    for key, path in case["figures"].items():
        lines += figure(path, f"{name} {key}")
    return lines


def _real_intro(section):
    text = (
        "The generative models learn real images; samples are scored against "
        "the held-out images. The Gaussian-prior VAE runs at DiffusionVAE's "
        "diffusion dimension, at its total latent dimension (diffusion plus "
        "detail coordinates, the fair comparison) and at twice that total, "
        "unless the profile runs only the pair the recall target compares "
        "(the `real-seeds` profile: DiffusionVAE and the Gaussian VAE at the "
        "same total latent dimension). With several seeds, the first seed "
        "fits every row and the others refit that pair; the targets read the "
        "means over seeds. "
        "The figures show real held-out images, each model's samples, and "
        "DiffusionVAE's random walks from real images (first column), at the "
        "first seed."
    )
    return [text, ""]


def real_section(section):
    """Section 2: Frey faces and Fashion-MNIST."""
    title = "## 2. Real data: Frey faces and Fashion-MNIST"
    return section_lines(title, section, _real_case, _real_intro)
