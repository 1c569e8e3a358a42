"""The scaling benchmark's report: exponents and rendering of stored results."""

import json
from pathlib import Path

import pytest

from benchmarks.scaling_report import cost_exponent, render

RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results"


@pytest.mark.parametrize("power", [0.8, 1.0, 2.0])
def test_cost_exponent_recovers_a_power_law(power):
    sizes = [1e4, 5e4, 2e5, 1e6]
    assert cost_exponent(sizes, [3e-4 * n**power for n in sizes]) == pytest.approx(
        power
    )


def test_cost_exponent_needs_two_sizes():
    assert cost_exponent([1e4], [1.0]) is None


def test_committed_report_is_the_rendering_of_its_json():
    stored = json.loads((RESULTS / "bench_scaling.json").read_text())
    assert render(stored) == (RESULTS / "bench_scaling.md").read_text()
