"""Shared rules of the target verdicts (:mod:`benchmarks.targets`).

A target is ``met`` or ``not met`` from the numbers measured in this run, and
``not measured`` when the profile or an unavailable method left it out. A
target stated for a larger problem than the run measured (50,000 points
where the run fitted 10,000, 100 walk steps where it took 10) gets the
verdict of the smaller measurement marked as such: ``met at a smaller size``
or ``not met at a smaller size``, and its measured text says both sizes.
Each target carries a plain *area*, the question it answers.
"""

import numpy as np

__all__ = [
    "AREAS",
    "SMALLER",
    "STATUSES",
    "finite",
    "seeds",
    "summary_of",
    "target",
]

#: The areas of the targets, in report order, with the question each answers.
AREAS = {
    "DiffusionMap against UMAP": "is DiffusionMap faster, as faithful and "
    "lighter than UMAP on the same Swiss roll, and does it invert better?",
    "large data": "does DiffusionMap with landmarks fit 200,000 points quickly?",
    "samples against the Gaussian VAE": "are DiffusionVAE's samples closer to "
    "the true distribution than those of a Gaussian-prior VAE of the same size?",
    "topology of the samples": "do DiffusionVAE's samples have the holes and "
    "cavities of the true manifold?",
    "separate pieces": "on data made of separate pieces, do the samples cover "
    "every piece, evenly, and nothing in between?",
    "real images": "on images, does DiffusionVAE cover the data as well as the "
    "Gaussian VAE, with good and new samples?",
    "walk stability": "do long random walks stay on the data and explore all of it?",
    "training time": "does DiffusionVAE train quickly?",
}
#: Suffix of the verdicts measured on a smaller problem than the target states.
SMALLER = " at a smaller size"
#: Every verdict, in the order the report counts them.
STATUSES = ("met", "not met", "met" + SMALLER, "not met" + SMALLER, "not measured")


def finite(value):
    """True if ``value`` is a finite number."""
    return value is not None and bool(np.isfinite(value))


def seeds(n, what="mean of"):
    """``"mean of 5 seeds"`` (one seed: ``"1 seed"``)."""
    return "1 seed" if n == 1 else f"{what} {n} seeds"


def target(area, text, measured, passed, size=None):
    """One verdict: ``area``, ``target``, ``measured`` (text) and ``status``.

    Parameters
    ----------
    area : str
        A key of :data:`AREAS`.
    text : str
        The target, in plain words.
    measured : str
        What this run measured.
    passed : bool or None
        Whether the measurement meets the target (None: not measured).
    size : tuple or None, default=None
        ``(stated, measured, unit)``, e.g. ``(50_000, 10_000, "points")``:
        the problem size the target states and the one the run measured.
        A smaller measured size marks the verdict (:data:`SMALLER`) and
        appends both sizes to ``measured``.
    """
    if area not in AREAS:
        raise ValueError(
            f"Unknown target area {area!r}; expected one of {list(AREAS)}."
        )
    if passed is None:
        status = "not measured"
    else:
        status = "met" if passed else "not met"
        if size is not None and size[1] is not None and size[1] < size[0]:
            stated, actual, unit = size
            status += SMALLER
            measured = (
                f"{measured}; target stated at {stated:,} {unit}, "
                f"measured at {actual:,}"
            )
    return {"area": area, "target": text, "measured": measured, "status": status}


def summary_of(case, method):
    """The seed summary of ``method`` in a generative ``case`` (or None)."""
    if case is None:
        return None
    return next((s for s in case.get("summary", []) if s["method"] == method), None)
