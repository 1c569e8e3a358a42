"""The project's targets, checked against the numbers measured in this run.

Nothing here is hard-coded as met: each target is evaluated from the section
results and comes out as ``met``, ``not met`` or ``not measured`` (the
profile or an unavailable method left it out); a target measured on a
smaller problem than it states is marked so (:mod:`benchmarks.target_rules`).
Comparisons with UMAP use the more favourable UMAP run (the faster fit, the
higher trustworthiness, the lower round-trip error), so a target is never met
by picking a weak peer configuration.
"""

from benchmarks import targets_issue9 as issue9
from benchmarks.data import display_name
from benchmarks.target_rules import finite, seeds, summary_of, target

__all__ = ["COMPARE_SIZE", "LARGE_SIZE", "evaluate", "fastest", "finite"]

#: Training points of the DiffusionMap-UMAP targets and of the large fit.
COMPARE_SIZE, LARGE_SIZE = 50_000, 200_000
_VERSUS, _LARGE_AREA = "DiffusionMap against UMAP", "large data"
_FIDELITY, _TOPOLOGY = "samples against the Gaussian VAE", "topology of the samples"

_GENERATIVE_SETS = (
    "loop",
    "circle",
    "sphere",
    "torus",
    "two_circles",
    "gaussian_grid",
)
_BETTI_SETS = ("loop", "sphere", "torus")
_SPEED = f"DiffusionMap fits at least 3x faster than UMAP ({COMPARE_SIZE:,} points)"
_TRUST = f"DiffusionMap trustworthiness within 0.02 of UMAP's ({COMPARE_SIZE:,} points)"
_MEMORY = f"DiffusionMap peak memory below 2 GB ({COMPARE_SIZE:,} points)"
_ROUNDTRIP = (
    "DiffusionMap's held-out round-trip error (transform, then "
    "inverse_transform) below UMAP's, in 2 dimensions"
)
_LARGE = f"DiffusionMap fits {LARGE_SIZE:,} points in under a minute"


def fastest(rows, prefix):
    """The finished row of the fastest method whose name starts with ``prefix``."""
    return min(_ok_rows(rows, prefix), key=lambda r: r["fit_s"], default=None)


def _ok_rows(rows, prefix):
    return [
        r for r in rows if r["method"].startswith(prefix) and r.get("status") == "ok"
    ]


def _speed(dm, rows, where, size):
    fast = fastest(rows, "UMAP")
    if not (dm and fast):
        return target(_VERSUS, _SPEED, "DiffusionMap or UMAP did not run", None)
    ratio = fast["fit_s"] / dm["fit_s"]
    text = (
        f"{ratio:.2f}x ({where}; DiffusionMap {dm['fit_s']:.1f} s, "
        f"{fast['method']} {fast['fit_s']:.1f} s)"
    )
    return target(_VERSUS, _SPEED, text, ratio >= 3.0, size)


def _trust(dm, umap_rows, where, size):
    trust = [
        r["trustworthiness"] for r in umap_rows if finite(r.get("trustworthiness"))
    ]
    if not (dm and trust and finite(dm.get("trustworthiness"))):
        return target(_VERSUS, _TRUST, "not available", None)
    diff = dm["trustworthiness"] - max(trust)
    text = (
        f"{dm['trustworthiness']:.4f} vs UMAP {max(trust):.4f} "
        f"(difference {diff:+.4f}; {where})"
    )
    return target(_VERSUS, _TRUST, text, diff >= -0.02, size)


def _memory(dm, where, size):
    mem = dm.get("peak_fit_mb") if dm else None
    if not finite(mem):
        return target(_VERSUS, _MEMORY, "not available", None)
    return target(_VERSUS, _MEMORY, f"{mem:.0f} MiB ({where})", mem < 2048, size)


def _roundtrip(dm, umap_rows, where, n_test):
    errors = [r["roundtrip_mse"] for r in umap_rows if finite(r.get("roundtrip_mse"))]
    if not (dm and errors and finite(dm.get("roundtrip_mse"))):
        return target(_VERSUS, _ROUNDTRIP, "not available", None)
    text = (
        f"MSE {dm['roundtrip_mse']:.4g} vs UMAP {min(errors):.4g} "
        f"({n_test:,} held-out points; {where})"
    )
    return target(_VERSUS, _ROUNDTRIP, text, dm["roundtrip_mse"] < min(errors))


def _large(scale):
    large = (scale or {}).get("large", {})
    rows = [r for r in large.get("rows", []) if r.get("status") == "ok"]
    if not rows:
        return target(_LARGE_AREA, _LARGE, "not run", None)
    row, n = rows[0], large.get("n_train")
    text = (
        f"{row['fit_s']:.1f} s ({n:,} points, n_landmarks="
        f"{large.get('n_landmarks'):,}, peak "
        f"{row.get('peak_fit_mb') or float('nan'):.0f} MiB)"
    )
    size = (LARGE_SIZE, n, "points")
    return target(_LARGE_AREA, _LARGE, text, row["fit_s"] < 60.0, size)


def _scale_targets(scale):
    compare = (scale or {}).get("compare", {})
    rows = compare.get("rows", [])
    n = compare.get("n_train")
    size = (COMPARE_SIZE, n, "points")
    where = f"Swiss roll, {n:,} points" if n else "not run"
    dm = next(iter(_ok_rows(rows, "DiffusionMap")), None)
    umap_rows = _ok_rows(rows, "UMAP")
    return [
        _speed(dm, rows, where, size),
        _trust(dm, umap_rows, where, size),
        _memory(dm, where, size),
        _roundtrip(dm, umap_rows, where, compare.get("n_test")),
        _large(scale),
    ]


def _case_name(case, name):
    if case is None:
        return display_name(name)
    return f"{display_name(name)} (latent dimension {case['n_components']})"


def _versus(case, name, key, label):
    text = f"DiffusionVAE {label} below the Gaussian VAE's on {_case_name(case, name)}"
    if case is None:
        return target(_FIDELITY, text, "dataset not in this profile", None)
    dvae, gvae = summary_of(case, "DiffusionVAE"), summary_of(case, "GaussianVAE")
    a = dvae.get(f"{key}_mean") if dvae else None
    b = gvae.get(f"{key}_mean") if gvae else None
    if a is None or b is None:
        return target(_FIDELITY, text, "a model did not run", None)
    measured = f"{a:.4g} vs {b:.4g} ({seeds(dvae['n_ok'])})"
    return target(_FIDELITY, text, measured, a < b)


def _betti(case, name):
    where = _case_name(case, name)
    text = f"DiffusionVAE samples have the true Betti numbers on {where}"
    dvae = summary_of(case, "DiffusionVAE")
    if not dvae or not dvae["n_ok"]:
        return target(_TOPOLOGY, text, "not measured", None)
    truth = case["per_seed"][0][0].get("betti_true")
    got = dvae["betti_matches"]
    text_measured = f"{got}/{dvae['n_ok']} seeds; true {truth}, got {dvae['betti']}"
    return target(_TOPOLOGY, text, text_measured, got == dvae["n_ok"])


def _grid(case):
    """25 of 25 modes, at each latent dimension the profile runs."""
    latent = "3 or fewer" if case is None else str(case["n_components"])
    text = (
        f"5 x 5 Gaussian grid at latent dimension {latent}: DiffusionVAE "
        "samples hit 25 of 25 modes"
    )
    dvae = summary_of(case, "DiffusionVAE")
    hits = dvae.get("modes_hit_mean") if dvae else None
    if hits is None:
        return target("separate pieces", text, "not measured", None)
    measured = f"{hits:.1f} modes hit ({seeds(dvae['n_ok'])})"
    return target("separate pieces", text, measured, hits == 25)


def _configurations(cases, name):
    """Every case of dataset ``name`` (the grid has two), or ``[None]``."""
    return [c for c in cases if c["dataset"] == name] or [None]


def _generative_targets(generative):
    cases = (generative or {}).get("cases", [])
    out = []
    for name in _GENERATIVE_SETS:
        for case in _configurations(cases, name):
            out.append(_versus(case, name, "gromov_wasserstein", "Gromov-Wasserstein"))
            out.append(
                _versus(case, name, "manifold_distance_mean", "distance to manifold")
            )
    for name in _BETTI_SETS:
        out += [_betti(case, name) for case in _configurations(cases, name)]
    return out + [_grid(c) for c in _configurations(cases, "gaussian_grid")]


def evaluate(results):
    """Check every target against the measured ``results``.

    Parameters
    ----------
    results : dict
        The run's results, with section results under ``sections``.

    Returns
    -------
    targets : list of dict
        ``area``, ``target``, ``measured`` (text) and ``status``.
    """
    sections = results.get("sections", {})
    cores = results.get("meta", {}).get("hardware", {}).get("usable_cores")
    return (
        _scale_targets(sections.get("scale"))
        + _generative_targets(sections.get("generative"))
        + issue9.evaluate(sections, cores)
    )
