"""Markdown tables of the benchmark report: number formatting and one part per section.

Each ``*_section`` function turns one section's results (manifold learning,
scale, pipelines; the generative sections are in
:mod:`benchmarks.report_generative`) into Markdown; nothing is computed here.
"""

import math

import numpy as np

__all__ = [
    "figure",
    "fmt",
    "manifold_section",
    "pipelines_section",
    "pm",
    "not_run",
    "scale_section",
    "section_lines",
    "status_cell",
    "table",
]

# ----------------------------------------------------------- formatting


def fmt(value, digits=3, ratio=False):
    """Format a number for a table: fixed digits, '-' for missing or NaN.

    ``ratio=True`` writes a ratio with three significant digits, as ``1.23x``.
    """
    if value is None:
        return "-"
    if ratio:
        return f"{value:.3g}x"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(value):
            return "-" if math.isnan(value) else str(value)
        if digits == 0:
            return f"{value:.0f}"
        if value != 0 and (abs(value) >= 1e4 or abs(value) < 10.0**-digits):
            return f"{value:.{digits - 1}e}"
        return f"{value:.{digits}f}"
    return str(value)


def table(headers, rows):
    """A Markdown table from a header list and rows of cells."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for row in rows:
        cells = [str(c).replace("|", "/").replace("\n", " ") for c in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def pm(mean, std, digits=3, fixed=False):
    """``mean ± std`` (just the mean when the spread is missing).

    ``fixed=True`` always prints ``digits`` decimals (for times in seconds).
    """
    if mean is None:
        return "-"
    if fixed:
        text = f"{mean:.{digits}f}"
        return text if std is None else f"{text} ± {std:.{digits}f}"
    if std is None:
        return fmt(mean, digits)
    return f"{fmt(mean, digits)} ± {fmt(std, digits)}"


def figure(path, caption):
    """A Markdown image line, or nothing if there is no figure."""
    return [f"![{caption}]({path})", ""] if path else []


# ------------------------------------------------------------- sections


def status_cell(row):
    """Status cell: ``ok`` or the failure with the last line of its error."""
    if row.get("status") == "ok":
        return "ok"
    error = (row.get("error") or "").strip().splitlines()
    return f"{row.get('status', '?')}: {error[-1][:120] if error else ''}"


def _cell(row, key, step=None, digits=3):
    """A number, ``n/a`` if the method lacks ``step``, ``-`` if missing."""
    if step and step in row.get("unsupported", []):
        return "n/a"
    return fmt(row.get(key), digits)


def not_run(title, section):
    if section is None:
        return ["", title, "", "Not run (left out with `--sections`)."]
    if section.get("error"):
        return ["", title, "", f"The section failed: `{section['error'][-500:]}`"]
    if section.get("skipped"):
        return ["", title, "", f"Skipped: {section['skipped']}."]
    return None


def section_lines(title, section, case_lines, intro=None):
    """A report section: title, ``intro(section)`` lines, then each case.

    A section that did not run (left out, failed or skipped) says why instead.
    """
    early = not_run(title, section)
    if early:
        return early
    lines = ["", title, "", *(intro(section) if intro else [])]
    for case in section["cases"]:
        if case.get("skipped"):
            skipped = f"**Skipped:** {case['skipped']}"
            lines += ["", f"### {case['dataset']}", "", skipped, ""]
        else:
            lines += case_lines(case)
    return lines


_MANIFOLD_HEADERS = [
    "method",
    "status",
    "trustworthiness ↑",
    "continuity ↑",
    "Spearman ↑",
    "fit s",
    "fit time ÷ DiffusionMap's",
    "transform s",
    "peak MiB",
    "round-trip error (rel.) ↓",
]


def _manifold_row(r):
    return [
        r["method"],
        status_cell(r),
        fmt(r.get("trustworthiness")),
        fmt(r.get("continuity")),
        fmt(r.get("spearman")),
        fmt(r.get("fit_s"), 2),
        fmt(r.get("fit_vs_reference"), 3, ratio=True),
        _cell(r, "transform_s", "transform"),
        fmt(r.get("peak_fit_mb"), 0),
        _cell(r, "roundtrip_relative", "inverse_transform"),
    ]


def _manifold_case(case):
    lines = [
        "",
        f"### {case['dataset']} ({case['n_train']} training + {case['n_test']} "
        f"held-out points, {case['n_features']} features, n_components="
        f"{case['n_components']})",
        "",
        table(_MANIFOLD_HEADERS, [_manifold_row(r) for r in case["rows"]]),
        "",
    ]
    return lines + figure(case.get("figure"), f"{case['dataset']} embeddings")


def _manifold_intro(section):
    return [
        "Same training points and `n_components` for every method. `n/a`: the "
        "method has no such step (SpectralEmbedding has no `transform`; only some "
        "methods have `inverse_transform`). Round-trip error: held-out "
        "`mean ||x - inverse_transform(transform(x))||^2 / mean ||x - mean||^2`."
    ]


def manifold_section(section):
    """Section 3: manifold learning against the peers."""
    title = "## 3. Manifold learning"
    return section_lines(title, section, _manifold_case, _manifold_intro)


def scale_section(section):
    """Section 3b: the large Swiss rolls of issue 2."""
    title = "## 3b. Scale: large Swiss rolls"
    early = not_run(title, section)
    if early:
        return early
    compare, large = section["compare"], section["large"]
    lines = [
        "",
        title,
        "",
        f"Trustworthiness on {section['trust_samples']} seeded points. Compare run: "
        f"{compare['n_train']} training and {compare['n_test']} held-out points, "
        "`n_components=2`.",
        "",
        table(_MANIFOLD_HEADERS, [_manifold_row(r) for r in compare["rows"]]),
        "",
    ]
    lines += figure(compare.get("figure"), "large Swiss roll embeddings")
    rows = [
        [
            r["method"],
            status_cell(r),
            fmt(r.get("fit_s"), 2),
            fmt(r.get("peak_fit_mb"), 0),
            fmt(r.get("trustworthiness")),
        ]
        for r in large.get("rows", [])
    ]
    lines += [
        f"Large run: {large['n_train']} points, `n_landmarks="
        f"{large.get('n_landmarks')}`.",
        "",
        table(["method", "status", "fit s", "peak MiB", "trustworthiness ↑"], rows),
    ]
    return lines


def _pipelines_case(case):
    rows = [
        [
            r["method"],
            status_cell(r),
            pm(r.get("accuracy_mean"), r.get("accuracy_std")),
            fmt(r.get("knn_n_neighbors")),
            fmt(r.get("fit_s"), 2),
        ]
        for r in case["rows"]
    ]
    headers = ["embedding", "status", "CV accuracy ↑", "best k of k-NN"]
    return [
        "",
        f"### {case['dataset']} ({case['n_samples']} samples, {case['cv']}-fold "
        f"stratified CV, n_components={case['n_components']}, k-NN k in "
        f"{case['knn_n_neighbors']}; search took {case['search_s']:.0f} s)",
        "",
        table([*headers, "fit s per pipeline"], rows),
        "",
        f"Best pipeline: **{case['best_method']}** ({fmt(case['best_score'])}).",
    ]


def pipelines_section(section):
    """Section 4: GridSearchCV over pipelines with each embedding."""
    title = "## 4. Pipelines: `GridSearchCV` across embeddings"
    return section_lines(title, section, _pipelines_case)
