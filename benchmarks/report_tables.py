"""Markdown tables of the benchmark report: number formatting and one part per section.

Each ``*_section`` function turns one section's results (manifold learning,
scale, pipelines; the generative sections are in
:mod:`benchmarks.report_generative`) into Markdown; nothing is computed here.
"""

import math

import numpy as np

from benchmarks.data import display_name
from benchmarks.report_columns import column_notes
from benchmarks.targets import COMPARE_SIZE, LARGE_SIZE

__all__ = [
    "clip",
    "clip_tail",
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


def clip(text, width=120):
    """``text`` on one line, at most ``width`` characters, cut between words.

    A cut is marked with " …". A single word longer than half of ``width``
    (a long path) is cut where the limit falls.
    """
    text = " ".join(str(text).split())
    if len(text) <= width:
        return text
    head = text[: width - 2]
    space = head.rfind(" ")
    return (head[:space] if space > width // 2 else head).rstrip() + " …"


def clip_tail(text, width=300):
    """The end of ``text`` on one line, at most ``width`` characters.

    The kept part starts at a word; a cut is marked with "… ".
    """
    text = " ".join(str(text).split())
    if len(text) <= width:
        return text
    tail = text[-(width - 2) :]
    space = tail.find(" ")
    return "… " + (tail[space + 1 :] if 0 <= space < width // 2 else tail)


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
    """Status cell: ``ok`` or the failure with the last line of its error.

    A method that is not installed points to the table of methods, which
    says why.
    """
    if row.get("status") == "ok":
        return "ok"
    if row.get("status") == "unavailable":
        return "not installed (see *Methods compared*)"
    error = (row.get("error") or "").strip().splitlines()
    return f"{row.get('status', '?')}: {clip(error[-1]) if error else ''}"


def _cell(row, key, step=None, digits=3):
    """A number, ``n/a`` if the method lacks ``step``, ``-`` if missing."""
    if step and step in row.get("unsupported", []):
        return "n/a"
    return fmt(row.get(key), digits)


def not_run(title, section):
    if section is None:
        return ["", title, "", "Not run (left out with `--sections`)."]
    if section.get("error"):
        error = clip_tail(section["error"], 500)
        return ["", title, "", f"The section failed: `{error}`"]
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
    body = []
    for case in section["cases"]:
        if case.get("skipped"):
            skipped = f"**Skipped:** {case['skipped']}"
            body += ["", f"### {display_name(case['dataset'])}", "", skipped, ""]
        else:
            body += case_lines(case)
    intro_lines = intro(section) if intro else []
    return ["", title, "", *intro_lines, *column_notes(body), *body]


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
    name = display_name(case["dataset"])
    lines = [
        "",
        f"### {name} ({case['n_train']:,} training + {case['n_test']:,} "
        f"held-out points, {case['n_features']} features, n_components="
        f"{case['n_components']})",
        "",
        table(_MANIFOLD_HEADERS, [_manifold_row(r) for r in case["rows"]]),
        "",
    ]
    return lines + figure(case.get("figure"), f"{name} embeddings")


def _manifold_intro(section):
    return [
        "Each method embeds the same training points with the same "
        "`n_components`; held-out points test `transform` and "
        "`inverse_transform`. The figures colour the training points by a "
        "known parameter (synthetic data) or the class (digits); each panel "
        "has its own axes, since the methods' coordinates have different "
        "units.",
        "",
    ]


def manifold_section(section):
    """Section 3: manifold learning against the peers."""
    title = "## 3. Manifold learning"
    return section_lines(title, section, _manifold_case, _manifold_intro)


def scale_section(section):
    """Section 3b: the large Swiss rolls."""
    title = "## 3b. Scale: large Swiss rolls"
    early = not_run(title, section)
    if early:
        return early
    compare, large = section["compare"], section["large"]
    body = [
        f"Comparison on {compare['n_train']:,} training and "
        f"{compare['n_test']:,} held-out points, `n_components=2`:",
        "",
        table(_MANIFOLD_HEADERS, [_manifold_row(r) for r in compare["rows"]]),
        "",
    ]
    body += figure(compare.get("figure"), "large Swiss roll embeddings")
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
    body += [
        f"Large run: {large['n_train']:,} points, `n_landmarks="
        f"{large.get('n_landmarks')}`:",
        "",
        table(["method", "status", "fit s", "peak MiB", "trustworthiness ↑"], rows),
    ]
    return ["", title, "", *_scale_intro(section), *column_notes(body), *body]


def _scale_intro(section):
    """What the section measures, and the sizes the targets state."""
    compare, large = section["compare"]["n_train"], section["large"]["n_train"]
    sizes = (
        f"The targets of this comparison are stated at {COMPARE_SIZE:,} points "
        f"and, with landmarks, {LARGE_SIZE:,} points."
    )
    if compare < COMPARE_SIZE or large < LARGE_SIZE:
        sizes += (
            f" **This run measured smaller problems ({compare:,} and "
            f"{large:,} points)**; its verdicts are marked *at a smaller size* "
            "and the full profile measures the stated sizes."
        )
    methods = [r["method"] for r in section["compare"]["rows"]]
    unseeded = (
        " (and UMAP unseeded, its parallel code path)"
        if any(m.startswith("UMAP (unseeded") for m in methods)
        else ""
    )
    text = (
        f"DiffusionMap against UMAP{unseeded} on one large Swiss roll, then "
        "DiffusionMap alone with landmarks on a larger one. Trustworthiness "
        f"on {section['trust_samples']:,} seeded points. {sizes}"
    )
    return [text, ""]


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
        f"### {display_name(case['dataset'])} ({case['n_samples']:,} samples, "
        f"{case['cv']}-fold stratified CV, n_components={case['n_components']}, "
        f"k-NN k in {case['knn_n_neighbors']}; search took "
        f"{case['search_s']:.0f} s)",
        "",
        table([*headers, "fit s per pipeline"], rows),
        "",
        f"Best pipeline: **{case['best_method']}** ({fmt(case['best_score'])}).",
    ]


def pipelines_section(section):
    """Section 4: GridSearchCV over pipelines with each embedding."""
    title = "## 4. Pipelines: `GridSearchCV` across embeddings"
    return section_lines(title, section, _pipelines_case, _pipelines_intro)


def _pipelines_intro(section):
    text = (
        "One `GridSearchCV` over `Pipeline(StandardScaler(), embedding, "
        "KNeighborsClassifier())` whose grid swaps the embedding (each with "
        "its defaults) and tries a few k of the k-NN classifier: how useful "
        "each embedding is as a preprocessing step for classification."
    )
    return [text, ""]
