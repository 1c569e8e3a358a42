"""Shared rules of the target verdicts (:mod:`benchmarks.targets`).

A target is ``met`` or ``not met`` from the numbers measured in this run,
``not measured`` when the profile or an unavailable method left it out, and
``not at target size`` when it was measured on a smaller problem than the
target names (the number is still shown).
"""

import numpy as np

__all__ = ["finite", "summary_of", "target"]


def finite(value):
    """True if ``value`` is a finite number."""
    return value is not None and bool(np.isfinite(value))


def target(issue, text, measured, passed, at_size=True):
    """One verdict: ``issue``, ``target``, ``measured`` (text) and ``status``.

    Parameters
    ----------
    issue : int
        The issue that sets the target.
    text : str
        The target, in plain words.
    measured : str
        What this run measured.
    passed : bool or None
        Whether the measurement meets the target (None: not measured).
    at_size : bool, default=True
        False if measured on a smaller problem than the target names.
    """
    if passed is None:
        status = "not measured"
    elif not at_size:
        status = "not at target size"
    else:
        status = "met" if passed else "not met"
    return {"issue": issue, "target": text, "measured": measured, "status": status}


def summary_of(case, method):
    """The seed summary of ``method`` in a generative ``case`` (or None)."""
    if case is None:
        return None
    return next((s for s in case.get("summary", []) if s["method"] == method), None)
