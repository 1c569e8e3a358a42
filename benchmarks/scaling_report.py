"""Limits of the scaling benchmark and the rendering of its report.

:mod:`benchmarks.bench_scaling` runs the fits and stores them as JSON; this
module turns that JSON into ``bench_scaling.md`` (``--render`` redoes only
this step).
"""

import numpy as np

CAP_S = 600.0
# Allowance of the child process for imports, data loading and the numba
# warm-up, on top of the cap of the fit itself.
SETUP_S = 120.0
MEMORY_CAP_MB = 12 * 1024
TRUST_SAMPLES = 5000
IMAGES_CAP_S = 3600.0
IMAGE_METHODS = ("DiffusionMap", "UMAP", "DiffusionVAE")
GRID_METHODS = (
    "DiffusionMap",
    "DiffusionVAE",
    "UMAP",
    "Isomap",
    "SpectralEmbedding",
    "pydiffmap",
    "datafold",
    "scanpy",
    "PHATE",
)


def cost_exponent(sizes, times):
    """Slope of log time against log n (None with fewer than two sizes)."""
    if len(sizes) < 2:
        return None
    return float(np.polyfit(np.log(sizes), np.log(times), 1)[0])


def _num(value, spec=".3g"):
    return "-" if value is None else format(value, spec)


def _render_transform(part):
    n_rep = len(part["calls_s"]["DiffusionMap"]) - 1
    dm_first, *dm_rest = part["calls_s"]["DiffusionMap"]
    lines = [
        f"{part['n_new']:,} new points after a {part['n_train']:,}-point Swiss roll "
        f"fit, one process, calls interleaved; `best` is the fastest of the "
        f"{n_rep} calls after the first. `transform` of {part['n_new']:,} "
        "training points differs from `embedding_` by at most "
        f"{part['reproduction_error']:.1e}.",
        "",
        "| method | fit s | first call s | best s | ÷ DiffusionMap (first) "
        "| ÷ DiffusionMap (best) |",
        "|---|---|---|---|---|---|",
    ]
    for name, (first, *rest) in part["calls_s"].items():
        lines.append(
            f"| {name} | {part['fit_s'][name]:.2f} | {first:.3f} | {min(rest):.3f} "
            f"| {first / dm_first:.1f}x | {min(rest) / min(dm_rest):.1f}x |"
        )
    return lines


def _scores(row):
    return f"{_num(row.get('trustworthiness'), '.4f')} | {_num(row.get('spearman'))}"


def _render_landmarks(part):
    lines = [
        "Procrustes disparity: to the full embedding of the same points (0: the "
        "same up to rotation, reflection and scale). Trustworthiness on "
        f"{TRUST_SAMPLES:,} points; Spearman: of pairwise distances against the "
        "roll's (arc length, height). Peak: the child process's resident memory.",
        "",
        "| n | landmarks | fit s | peak MiB | Procrustes disparity "
        "| trustworthiness | Spearman |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in part["rows"]:
        count = "all" if row["n_landmarks"] is None else f"{row['n_landmarks']:,}"
        if row["status"] != "ok":
            lines.append(f"| {row['n']:,} | {count} | {row['status']} | | | | |")
            continue
        lines.append(
            f"| {row['n']:,} | {count} | {row['fit_s']:.1f} | {row['peak_mb']:.0f} "
            f"| {_num(row['procrustes'], '.2g')} | {_scores(row)} |"
        )
    return lines


def _render_million(part):
    lines = [
        "Default settings. Fit: `fit_transform` after the numba warm-up (the "
        "one-off compilation, reported apart). Peak: the child process's "
        "resident memory, data included.",
        "",
        "| data | n | landmarks | neighbours | eigensolver | fit s | warm-up s "
        "| peak MiB | trustworthiness | Spearman |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in part["rows"]:
        if row["status"] != "ok":
            lines.append(
                f"| {row['data']} | {row['n']:,} | {row['status']} |" + " |" * 7
            )
            continue
        info = row["info"]
        lines.append(
            f"| {row['data']} | {row['n']:,} | {_num(info.get('n_landmarks_'), ',')} "
            f"| {info.get('neighbors_')} | {info.get('eigen_solver_')} "
            f"| {row['fit_s']:.1f} | {_num(row['warmup_s'], '.1f')} "
            f"| {row['peak_mb']:.0f} | {_scores(row)} |"
        )
    return lines


def _render_images(part):
    rows = {row["method"]: row for row in part["rows"]}
    umap = rows.get("UMAP", {}).get("fit_s")
    lines = [
        f"{part['n']:,} Fashion-MNIST images (784 pixels), default settings, "
        "2 components; "
        "fit (`fit_transform`, numba warm-up excluded) capped at "
        f"{part['cap_s']:g} s. Trustworthiness on {TRUST_SAMPLES:,} points.",
        "",
        "| method | fit s | ÷ UMAP | peak MiB | trustworthiness |",
        "|---|---|---|---|---|",
    ]
    for method, row in rows.items():
        if row["status"] != "ok":
            lines.append(f"| {method} | {_cell(row, part['cap_s'])} | | | |")
            continue
        ratio = "-" if umap is None else f"{row['fit_s'] / umap:.2f}x"
        lines.append(
            f"| {method} | {row['fit_s']:.1f} | {ratio} | {row['peak_mb']:.0f} "
            f"| {_num(row.get('trustworthiness'), '.4f')} |"
        )
    return lines


def _cell(row, cap=CAP_S):
    if row["status"] == "ok":
        return f"{row['fit_s']:.1f} s, {row['peak_mb']:.0f} MiB"
    limits = {"timeout": f"over {cap:g} s", "memory": f"over {MEMORY_CAP_MB:,} MiB"}
    return limits.get(row["status"], row["status"])


def _render_grid(part):
    sizes = sorted({row["n"] for row in part["rows"]})
    lines = [
        "Fit time (`fit_transform`, numba warm-up excluded) and peak resident "
        f"memory of the child process; each fit capped at {CAP_S:g} s (the "
        f"child process at {CAP_S + SETUP_S:g} s with imports, data and warm-up) "
        f"and {MEMORY_CAP_MB:,} MiB. A method stops at its first failure. "
        "Exponent: slope of log time against log n over the sizes a method "
        "finished; the load average at each fit is in the JSON file.",
        "",
        "| method | " + " | ".join(f"{n:,}" for n in sizes) + " | exponent |",
        "|---|" + "---|" * (len(sizes) + 1),
    ]
    ran = {row["method"] for row in part["rows"]}
    for method in [m for m in GRID_METHODS if m in ran]:
        rows = {row["n"]: row for row in part["rows"] if row["method"] == method}
        done = [row for row in rows.values() if row["status"] == "ok"]
        slope = cost_exponent([r["n"] for r in done], [r["fit_s"] for r in done])
        cells = [_cell(rows[n]) if n in rows else "not run" for n in sizes]
        lines.append(
            f"| {method} | " + " | ".join(cells) + f" | {_num(slope, '.2f')} |"
        )
    if part.get("note"):
        lines.append(f"\n{part['note']}")
    loads = [row["load"][0] for row in part["rows"] if "load" in row]
    if loads:
        lines.append(
            f"\nLoad average (1 minute) after each fit: {min(loads):.2f} to "
            f"{max(loads):.2f}."
        )
    for row in part["rows"]:
        if row["status"] == "error":
            why = row["error"].strip().splitlines()[-1]
            lines.append(f"\n{row['method']} at {row['n']:,}: {why}")
    for method, why in part.get("unavailable", {}).items():
        lines.append(f"\n{method}: unavailable ({why}).")
    return lines


_TITLES = {
    "transform": ("Transform speed", _render_transform),
    "landmarks": ("Landmarks against the full embedding", _render_landmarks),
    "million": ("One million points", _render_million),
    "images": ("DiffusionVAE on Fashion-MNIST images", _render_images),
    "grid": ("Fit time and memory by size", _render_grid),
}


def render(results):
    """The markdown report of the parts in ``results``."""
    lines = [
        "# Scaling benchmark (issue 12)",
        "",
        "Written by `python -m benchmarks.bench_scaling` (see its docstring). "
        "The machine is shared: each part gives the load average (1, 5, 15 "
        "minutes) before and after it, and ratios come from one run.",
    ]
    for name, (title, render_part) in _TITLES.items():
        if name not in results:
            continue
        part = results[name]
        lines += [
            "",
            f"## {title}",
            "",
            f"Run at commit {part['commit']}, "
            f"{part['date']}, {part['cpus']} CPUs, OMP_NUM_THREADS "
            f"{part['omp_num_threads']}; load average before "
            f"{part['load_before']}, after {part.get('load_after')}.",
            "",
        ]
        lines += render_part(part)
    return "\n".join(lines) + "\n"
