"""Targets of the separate pieces, real images, walks and training time.

- two circles at latent dimension 3: under 2 % of DiffusionVAE samples
  farther than 0.2 from both circles, each circle 35-65 % of the samples
  (means over seeds); the 5 x 5 grid's 25 modes are checked with the other
  generative targets (:mod:`benchmarks.targets`);
- Frey faces and Fashion-MNIST: DiffusionVAE's recall at least the Gaussian
  VAE's at the same total latent dimension, precision at least 0.8, novelty
  above 0.5;
- walk stability on the loop, the torus and Frey faces: the mean distance to
  the data after 100 steps at most twice that after one step, no visited
  point outside the data's range, and on the loop all 20 bins of the curve
  parameter visited (:mod:`benchmarks.walks`);
- a DiffusionVAE fit on 5,000 torus points (manifold section) under a minute.

Real data are at the stated size from the full profile's training sizes
on, walks from 100 steps; smaller runs are marked so.
"""

import numpy as np

from benchmarks.data import display_name
from benchmarks.real import SAME_TOTAL
from benchmarks.target_rules import finite, seeds, summary_of, target
from benchmarks.walks import N_BINS, RANGE_MARGIN

__all__ = ["evaluate"]

_CIRCLES_OFF = (
    "two circles at latent dimension 3: under 2 % of DiffusionVAE samples "
    "farther than 0.2 from both circles"
)
_CIRCLES_SHARE = (
    "two circles at latent dimension 3: each circle gets 35-65 % of "
    "DiffusionVAE samples"
)
_REAL = {"frey_faces": 1700, "fashion_mnist": 20_000}
_PIECES, _IMAGES, _WALKS = "separate pieces", "real images", "walk stability"
_WALK_SETS = ("loop", "torus", "frey_faces")
_WALK_STEPS = 100
_TORUS_SIZE, _TRAINING = 5000, "training time"
_TORUS = f"DiffusionVAE fits {_TORUS_SIZE:,} torus points in under a minute"


def _circle_targets(cases):
    case = next(
        (c for c in cases if c["dataset"] == "two_circles" and c["n_components"] == 3),
        None,
    )
    dvae = summary_of(case, "DiffusionVAE")
    off = dvae.get("off_circles_mean") if dvae else None
    share = dvae.get("minor_circle_share_mean") if dvae else None
    if case is None:
        why = "no two-circles case at latent dimension 3 in this profile"
        return [
            target(_PIECES, _CIRCLES_OFF, why, None),
            target(_PIECES, _CIRCLES_SHARE, why, None),
        ]
    over = seeds(dvae["n_ok"]) if dvae else ""
    off_text = f"{off:.1%} off both circles ({over})" if finite(off) else "-"
    share_text = (
        f"smaller circle {share:.1%}, larger {1 - share:.1%} ({over})"
        if finite(share)
        else "-"
    )
    return [
        target(_PIECES, _CIRCLES_OFF, off_text, None if off is None else off < 0.02),
        target(
            _PIECES,
            _CIRCLES_SHARE,
            share_text,
            None if share is None else share >= 0.35,
        ),
    ]


def _real_rows(case):
    if case is None or case.get("skipped"):
        return []
    return [r for r in case["rows"] if r.get("status") == "ok"]


def _by_seed(entry):
    """``seed -> recall`` of a seed-summary entry, finished seeds only."""
    if entry is None:
        return {}
    pairs = zip(entry["seeds"], entry["recalls"])
    return {seed: recall for seed, recall in pairs if recall is not None}


def _over(n):
    """``"; mean of 2 seeds"``, or nothing for one seed."""
    return "" if n == 1 else f"; {seeds(n)}"


def _real_pair(case):
    """DiffusionVAE's scores and the recalls the target compares.

    With a seed summary (:func:`benchmarks.real.seed_summary`), precision and
    novelty are DiffusionVAE's means over its finished seeds, and the two
    recalls are means over the seeds where both models finished; otherwise the
    rows of a single run.

    Returns
    -------
    dvae : dict or None
        ``precision``, ``novelty`` and ``n`` (seeds they average).
    recalls : tuple or None
        ``(dvae_recall, gaussian_recall, gaussian_label, n_seeds)``.
    """
    summary = (case or {}).get("summary")
    if summary:
        dvae = next((s for s in summary if s["method"] == "DiffusionVAE"), None)
        same = next((s for s in summary if SAME_TOTAL in (s.get("role") or "")), None)
        if dvae is None or dvae["n_ok"] == 0:
            return None, None
        scores = dict(precision=dvae["precision_mean"], novelty=dvae["novelty_mean"])
        scores["n"] = dvae["n_ok"]
        mine, theirs = _by_seed(dvae), _by_seed(same)
        both = [seed for seed in mine if seed in theirs]
        if not both:
            return scores, None
        recalls = (
            float(np.mean([mine[s] for s in both])),
            float(np.mean([theirs[s] for s in both])),
            same["method"],
            len(both),
        )
        return scores, recalls
    rows = _real_rows(case)
    dvae = next((r for r in rows if r["method"] == "DiffusionVAE"), None)
    same = next((r for r in rows if SAME_TOTAL in (r.get("role") or "")), None)
    if dvae is None:
        return None, None
    scores = dict(precision=dvae.get("precision"), novelty=dvae.get("novelty"), n=1)
    if same is None or not (finite(dvae.get("recall")) and finite(same.get("recall"))):
        return scores, None
    return scores, (dvae["recall"], same["recall"], same["method"], 1)


def _real_dataset(case, key):
    name, stated = display_name(key), _REAL[key]
    texts = (
        f"{name}: DiffusionVAE recall at least the Gaussian VAE's at the same "
        "total latent dimension",
        f"{name}: DiffusionVAE precision at least 0.8",
        f"{name}: DiffusionVAE samples are new (novelty above 0.5)",
    )
    dvae, recalls = _real_pair(case)
    if dvae is None:
        rows = _real_rows(case)
        why = "skipped or not in this profile" if not rows else "DiffusionVAE failed"
        return [target(_IMAGES, text, why, None) for text in texts]
    size = (stated, case["n_train"], "training images")
    out = []
    if recalls is None:
        out.append(target(_IMAGES, texts[0], "a model or its recall is missing", None))
    else:
        mine, theirs, label, n = recalls
        measured = f"{mine:.3f} vs {theirs:.3f} ({label}{_over(n)})"
        out.append(target(_IMAGES, texts[0], measured, mine >= theirs, size))
    precision, novelty = dvae["precision"], dvae["novelty"]
    for text, value, passed in (
        (texts[1], precision, finite(precision) and precision >= 0.8),
        (texts[2], novelty, finite(novelty) and novelty > 0.5),
    ):
        over = f" ({seeds(dvae['n'])})" if dvae["n"] > 1 else ""
        measured = f"{value:.3f}{over}" if finite(value) else "-"
        passed = passed if value is not None else None
        out.append(target(_IMAGES, text, measured, passed, size))
    return out


def _real_targets(real):
    cases = {c["dataset"]: c for c in (real or {}).get("cases", [])}
    return [t for key in _REAL for t in _real_dataset(cases.get(key), key)]


def _walk_numbers(sections, key):
    """Walk numbers of ``key`` and where they come from, or ``(None, why)``."""
    if key == "frey_faces":
        cases = (sections.get("real") or {}).get("cases", [])
        case = next((c for c in cases if c["dataset"] == key), None)
        row = next((r for r in _real_rows(case) if r["method"] == "DiffusionVAE"), None)
        if row is None or row.get("walk_distance_1") is None:
            return None, "not measured"
        return row, "one run"
    cases = (sections.get("generative") or {}).get("cases", [])
    case = next((c for c in cases if c["dataset"] == key), None)
    dvae = summary_of(case, "DiffusionVAE")
    if not dvae or dvae.get("walk_distance_1_mean") is None:
        return None, "not measured"
    numbers = {k[: -len("_mean")]: v for k, v in dvae.items() if k.endswith("_mean")}
    return numbers, seeds(dvae["n_ok"])


def _percent(value):
    return "-" if value is None else f"{value:.2%}"


def _walk_dataset(sections, key):
    name = display_name(key)
    texts = [
        f"{name}: mean distance to the data after 100 walk steps at most 2x "
        "that after one step",
        f"{name}: no 100-step walk point leaves the data's range",
    ]
    if key == "loop":
        texts.append(f"loop: pooled 100-step walks visit {N_BINS} of {N_BINS} bins")
    w, where = _walk_numbers(sections, key)
    if w is None:
        return [target(_WALKS, text, where, None) for text in texts]
    size = (_WALK_STEPS, round(w["walk_n_steps"]), "steps")
    ratio = w.get("walk_distance_ratio")
    walkers = f"{w['walk_n_walkers']:.0f} walkers x {w['walk_n_steps']:.0f} steps"
    ratio_text = (
        f"{ratio:.2f}x ({w['walk_distance_1']:.3g} after one step, "
        f"{w['walk_distance_T']:.3g} after the last; {walkers}, {where})"
        if ratio is not None
        else "-"
    )
    passed = ratio is not None and ratio <= 2
    out = [target(_WALKS, texts[0], ratio_text, passed, size)]
    outside = w["walk_outside"]
    range_text = (
        f"{outside:.2%} of visited points outside the range widened by "
        f"{RANGE_MARGIN:.0%} of its span (held-out start points: "
        f"{_percent(w.get('walk_outside_start'))}; strict range: "
        f"{_percent(w.get('walk_outside_strict'))}, start points "
        f"{_percent(w.get('walk_outside_strict_start'))}); acceptance "
        f"{w.get('walk_acceptance') or float('nan'):.2f} ({where})"
    )
    out.append(target(_WALKS, texts[1], range_text, outside == 0, size))
    if key == "loop":
        bins = w.get("walk_bins")
        text = f"{bins:.1f}/{N_BINS} ({where})" if bins is not None else "-"
        passed = None if bins is None else bins >= N_BINS
        out.append(target(_WALKS, texts[2], text, passed, size))
    return out


def _torus_fit(manifold, cores):
    cases = (manifold or {}).get("cases", [])
    tori = [c for c in cases if c.get("dataset") == "torus" and not c.get("skipped")]
    rows = [
        (c, r)
        for c in tori
        for r in c["rows"]
        if r["method"] == "DiffusionVAE" and r.get("status") == "ok"
    ]
    if not rows:
        return target(_TRAINING, _TORUS, "no DiffusionVAE fit on the torus", None)
    case, row = max(rows, key=lambda cr: cr[0]["n_train"])
    n = case["n_train"]
    measured = f"{row['fit_s']:.1f} s ({n:,} points, {cores} usable cores)"
    size = (_TORUS_SIZE, n, "points")
    return target(_TRAINING, _TORUS, measured, row["fit_s"] < 60.0, size)


def evaluate(sections, cores=None):
    """Check these targets against the section results.

    Parameters
    ----------
    sections : dict
        Section results by name (``generative``, ``real``, ``manifold``).
    cores : int or None, default=None
        Usable cores of the run (shown with the fit time).

    Returns
    -------
    targets : list of dict
        ``area``, ``target``, ``measured`` (text) and ``status``.
    """
    cases = (sections.get("generative") or {}).get("cases", [])
    out = _circle_targets(cases) + _real_targets(sections.get("real"))
    for key in _WALK_SETS:
        out += _walk_dataset(sections, key)
    return out + [_torus_fit(sections.get("manifold"), cores)]
