"""Small Markdown helpers: number formatting, tables, figure links."""

import math

import numpy as np

__all__ = ["figure", "fmt", "pm", "table"]


def fmt(value, digits=3):
    """Format a number for a table: fixed digits, '-' for missing or NaN."""
    if value is None:
        return "-"
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
