"""The report reads on its own; the main job writes where it should.

A report rendered from a small hand-made results dictionary names targets
plainly, marks figures measured below the stated size and explains every
column; the main job's default output folder is git-ignored and its
provenance ignores its own output. No model is trained here.
"""

import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from benchmarks import report, runner, targets
from benchmarks.__main__ import _parser
from benchmarks.figures import shared_limits
from benchmarks.report_columns import COLUMNS, column_notes, table_headers
from benchmarks.report_generative import (
    _CIRCLE_COLUMNS,
    _GEN_HEADERS,
    _REAL_HEADERS,
    _WALK_HEADERS,
)
from benchmarks.report_tables import _MANIFOLD_HEADERS, clip, clip_tail
from benchmarks.target_rules import AREAS

ROOT = Path(__file__).resolve().parents[2]


def _row(method, fit_s, trust, mse):
    return {
        "method": method,
        "status": "ok",
        "fit_s": fit_s,
        "trustworthiness": trust,
        "continuity": 0.99,
        "spearman": 0.7,
        "peak_fit_mb": 40.0,
        "roundtrip_mse": mse,
        "roundtrip_relative": mse / 10,
        "transform_s": 0.1,
    }


def _results():
    meta = {
        "profile": "quick",
        "profile_description": "a test",
        "date": "2026-01-01T00:00:00+00:00",
        "command": "python -m benchmarks --profile quick",
        "git": "abc1234",
        "elapsed_s": 60.0,
        "python": "3.11",
        "platform": "Linux",
        "packages": {"numpy": "2"},
        "hardware": {
            "cpu": "cpu",
            "logical_cores": 2,
            "usable_cores": 2,
            "memory_gb": 8,
        },
    }
    compare = {
        "n_train": 10_000,
        "n_test": 1000,
        "rows": [_row("DiffusionMap", 0.3, 0.994, 0.08), _row("UMAP", 6.7, 0.999, 4.7)],
    }
    large = {
        "n_train": 20_000,
        "n_landmarks": 2000,
        "rows": [_row("DiffusionMap", 0.5, 0.99, 0.1)],
    }
    scale = {"trust_samples": 2000, "compare": compare, "large": large}
    results = {"meta": meta, "sections": {"scale": scale}, "peers": {}}
    results["targets"] = targets.evaluate(results)
    return results


def test_rendered_report_names_targets_plainly_and_marks_smaller_sizes():
    text = report.render(_results())
    assert re.search(r"#\d", text) is None  # no tracker numbers
    assert "| area | target | measured | verdict |" in text
    assert "| DiffusionMap against UMAP | DiffusionMap fits at least 3x" in text
    assert "target stated at 50,000 points, measured at 10,000" in text
    assert "target stated at 200,000 points, measured at 20,000" in text
    assert "**met at a smaller size**" in text
    assert "**This run measured smaller problems (10,000 and 20,000 points)**" in text
    for area in ("DiffusionMap against UMAP", "large data"):
        assert f"- **{area}**: {AREAS[area]}" in text
    assert "Summary: 1 met, 4 met at a smaller size, 32 not measured." in text


def test_every_column_of_the_report_is_explained():
    headers = [*_MANIFOLD_HEADERS, *_GEN_HEADERS, *_WALK_HEADERS, *_REAL_HEADERS]
    headers += [header for header, _ in _CIRCLE_COLUMNS]
    assert not [h for h in headers if h not in COLUMNS]
    text = report.render(_results())
    scale = text[text.index("## 3b.") : text.index("## 4.")]
    for header in table_headers([scale]):
        assert f"- **{header}**: {COLUMNS[header]}." in scale
    with pytest.raises(KeyError, match="without an explanation"):
        column_notes(["| mystery |", "|---|", "| 1 |"])


def test_clipped_text_ends_and_starts_between_words():
    text = "datafold could not be imported from the separate environment"
    assert clip(text, 200) == text
    short = clip(text, 30)
    assert short == "datafold could not be …" and len(short) <= 30
    tail = clip_tail(text, 30)
    assert tail == "… the separate environment"  # "from" would pass 30
    assert clip("a\n  b", 10) == "a b"  # one line in a table cell


def test_shared_limits_hold_the_reference_and_ignore_far_outliers():
    reference = np.array([[0.0, 0.0], [1.0, 2.0]])  # spans 1 and 2
    cloud = np.zeros((1000, 2))
    cloud[0] = 1e6  # one diverged sample must not squash every panel
    cloud[1] = [0.2, -0.5]  # a sample a little off the data stays in view
    low, high = shared_limits(reference, [cloud], pad=0.0)
    np.testing.assert_allclose(low, [0.0, -0.5])
    np.testing.assert_allclose(high, [1.0, 2.0])
    # a shifted cloud widens the limits up to half the reference's span
    # beyond its bulk (at 3), where its diverged sample is cut
    low, high = shared_limits(reference, [cloud + 3.0], pad=0.0)
    np.testing.assert_allclose(high, [3.5, 4.0])
    low, high = shared_limits(reference, [cloud + 3.0], pad=0.1)
    np.testing.assert_allclose(high, [3.85, 4.4])  # plus 10 % of the spans


def test_default_output_is_untracked_and_output_flags_agree():
    out = runner.default_out("quick")
    assert out == ROOT / "benchmarks" / "output" / "quick"
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", str(out / "report.md")], cwd=ROOT
    )
    assert ignored.returncode == 0
    parser = _parser()
    assert parser.parse_args(["--output", "x"]).out == "x"
    assert parser.parse_args(["--out", "x"]).out == "x"  # the older spelling
    assert parser.parse_args([]).out is None  # runner.default_out then


def test_provenance_ignores_untracked_files_and_the_output_folder(
    tmp_path, monkeypatch
):
    def git(*args):
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "code.py").write_text("x = 1\n")
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "report.md").write_text("old\n")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "c")
    monkeypatch.setattr(runner, "_REPO_ROOT", tmp_path)
    (tmp_path / "output").mkdir()
    (tmp_path / "output" / "report.md").write_text("untracked\n")
    assert "uncommitted" not in runner._git(tmp_path / "output")
    (tmp_path / "results" / "report.md").write_text("rewritten by the run\n")
    assert "uncommitted" not in runner._git(tmp_path / "results")
    assert runner._git().endswith("(uncommitted changes)")
    (tmp_path / "code.py").write_text("x = 2\n")
    assert runner._git(tmp_path / "results").endswith("(uncommitted changes)")
