"""The progress output of the benchmark runner: counts, time left, plain lines.

A fake clock drives :class:`benchmarks.progress.Progress`, so the estimates
and the heartbeat lines are exact and the tests take no time.
"""

import io

import pytest

from benchmarks.progress import Progress, expected_costs, format_duration, time_left


class _Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def _progress(stream=None, **kwargs):
    clock = _Clock()
    stream = io.StringIO() if stream is None else stream
    return Progress(stream, refresh=None, clock=clock, **kwargs), clock, stream


def test_time_left_scales_the_expected_cost_by_the_pace_so_far():
    assert time_left(10.0, 2.0, 3.0) == 15.0  # 5 s per unit of cost
    # a running fit of cost 1, 4 s in: 1 s of its expected 5 s remains
    assert time_left(10.0, 2.0, 3.0, running=4.0, running_cost=1.0) == 16.0
    # running longer than expected adds nothing (it may end any moment)
    assert time_left(10.0, 2.0, 3.0, running=9.0, running_cost=1.0) == 15.0
    assert time_left(0.0, 0.0, 3.0) is None  # no pace before the first fit


def test_expected_costs_use_the_reference_times_or_the_count():
    keys = [("a", "x"), ("a", "y"), ("b", "x"), ("c", "z")]
    assert expected_costs(keys) == dict.fromkeys(keys, 1.0)
    reference = {("a", "x"): 2.0, ("a", "y"): 8.0, ("b", "x"): 4.0, ("old", "x"): 99}
    costs = expected_costs(keys, reference)
    assert costs[("a", "y")] == 8.0
    assert costs[("c", "z")] == 4.0  # not timed in the reference: the median


def test_format_duration():
    assert format_duration(0) == "0:00"
    assert format_duration(75.4) == "1:15"
    assert format_duration(3725) == "1:02:05"
    assert format_duration(-3) == "0:00"


def test_plain_output_counts_fits_and_estimates_by_cost():
    progress, clock, stream = _progress()
    progress.plan({("a", "x"): 1.0, ("a", "y"): 3.0, ("b", "z"): 1.0})
    progress.start("a", "x")
    clock.now = 2.0
    progress.done("a", "x", "fit 1.9 s")
    # 2 s for one unit of cost; 4 units left
    assert progress.estimate() == pytest.approx(8.0)
    progress.start("a", "y")
    clock.now = 5.0  # 3 s into a fit expected to take 6 s
    assert progress.estimate() == pytest.approx(2.0 + 3.0)
    clock.now = 9.0
    progress.done("a", "y")
    assert progress.counts() == (2, 3)
    lines = stream.getvalue().splitlines()
    assert lines == [
        "[   0:02] 1/3 fits, about 0:08 left  a  x  fit 1.9 s",
        "[   0:09] 2/3 fits, about 0:02 left  a  y  ",
    ]
    assert progress.times == {("a", "x"): 2.0, ("a", "y"): 7.0}


def test_plain_output_names_a_long_fit_every_heartbeat():
    progress, clock, stream = _progress(heartbeat=60.0)
    progress.plan({("manifold big", "UMAP"): 1.0})
    progress.start("manifold big", "UMAP")
    for now in (30.0, 61.0, 90.0, 125.0):
        clock.now = now
        progress.tick()
    lines = stream.getvalue().splitlines()
    assert lines == [
        "[   1:01] still running after 1:01: manifold big UMAP",
        "[   2:05] still running after 2:05: manifold big UMAP",
    ]
    assert "\r" not in stream.getvalue() and "\x1b" not in stream.getvalue()


def test_terminal_output_redraws_one_status_line_without_colour_codes():
    progress, clock, stream = _progress(_Terminal())
    assert progress.tty
    progress.plan({("a", "x"): 1.0, ("a", "y"): 1.0})
    progress.start("a", "x")
    clock.now = 4.0
    progress.tick()
    progress.done("a", "x", "ok")
    progress.close()
    text = stream.getvalue()
    assert "\r" in text and "\x1b" not in text
    assert "0/2 fits [--------------------] estimating time left" in text
    assert "running 0:04: a x" in text
    assert "[   0:04] 1/2 fits, about 0:04 left  a  x  ok\n" in text
    assert text.endswith("\r")  # the status line is cleared at the end


def test_dropped_fits_leave_the_plan():
    progress, _, _ = _progress()
    progress.plan({("real frey_faces latent 3", "DiffusionVAE"): 1.0})
    progress.plan({**progress.costs, ("real frey_faces_x", "M"): 1.0})
    progress.plan({**progress.costs, ("manifold digits_all", "UMAP"): 1.0})
    progress.drop("real frey_faces")
    assert list(progress.costs) == [
        ("real frey_faces_x", "M"),  # another case whose name starts alike
        ("manifold digits_all", "UMAP"),
    ]
    progress.drop("manifold")
    assert progress.counts() == (0, 1)
