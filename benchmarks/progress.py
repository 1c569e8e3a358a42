"""Progress of a benchmark run on standard error: fits done, fits left, time left.

The runner gives :class:`Progress` the list of fits the profile will run
(its *plan*) and, when a reference run of the same profile recorded how long
each fit took, their expected costs; otherwise every fit weighs the same.
The estimate of the time left scales the expected cost of the fits still to
run by the time the finished ones actually took (:func:`time_left`), so a
slower or faster machine than the reference corrects itself after the first
fits.

On a terminal, one status line is redrawn in place every second: the fits
done and planned, a bar, the time left and the fit that is running with its
running time. Anywhere else (a log file, a pipe, CI) the output is plain
lines without carriage returns or colour codes: one line per finished fit
with the same counts and estimate, and a line every ``heartbeat`` seconds
naming a fit that is still running, so the log never goes silent for
minutes.
"""

import shutil
import statistics
import sys
import threading
import time

__all__ = ["Progress", "expected_costs", "format_duration", "time_left"]

_BAR_WIDTH = 20


def format_duration(seconds):
    """``m:ss`` below an hour, ``h:mm:ss`` above (negative counts as zero)."""
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{seconds:02d}"
    return f"{minutes}:{seconds:02d}"


def expected_costs(keys, reference=None):
    """Expected cost of each planned fit, from a reference run when it has it.

    Parameters
    ----------
    keys : iterable of tuple
        The planned fits, as ``(label, method)``.
    reference : dict or None, default=None
        Seconds each fit took in a reference run, by ``(label, method)``.

    Returns
    -------
    costs : dict
        ``key -> cost``. Fits the reference timed keep their seconds; the
        others get the median of those (a fit of unknown cost counts as a
        typical one). Without any reference time every fit costs 1, so the
        estimate is by count.
    """
    keys = list(keys)
    reference = reference or {}
    known = [reference[k] for k in keys if reference.get(k, 0) > 0]
    default = statistics.median(known) if known else 1.0
    return {k: reference[k] if reference.get(k, 0) > 0 else default for k in keys}


def time_left(elapsed, done_cost, left_cost, running=0.0, running_cost=0.0):
    """Estimated seconds left, from the pace of the finished fits.

    Parameters
    ----------
    elapsed : float
        Seconds from the start of the run to the end of the last finished fit.
    done_cost : float
        Expected cost of the finished fits.
    left_cost : float
        Expected cost of the fits not started yet.
    running : float, default=0.0
        Seconds the fit in progress has been running.
    running_cost : float, default=0.0
        Expected cost of the fit in progress.

    Returns
    -------
    seconds : float or None
        ``pace * left_cost`` plus what remains of the running fit's expected
        time (``pace * running_cost - running``, or nothing once it has run
        longer than expected), with ``pace = elapsed / done_cost``; None
        before the first fit has finished.
    """
    if done_cost <= 0:
        return None
    pace = elapsed / done_cost
    return pace * left_cost + max(pace * running_cost - running, 0.0)


class Progress:
    """Fits done and left with an estimate of the time left, on standard error.

    Parameters
    ----------
    stream : file-like or None, default=None
        Where the output goes (standard error by default).
    tty : bool or None, default=None
        Redraw one status line in place (True) or write plain lines (False).
        None asks ``stream.isatty()``.
    heartbeat : float, default=30.0
        Plain output: seconds between the lines that name a fit still running.
    refresh : float or None, default=1.0
        Seconds between redraws by the background thread (None: no thread,
        the output changes only when a fit starts or ends).
    clock : callable, default=time.perf_counter
        Source of the time in seconds.
    """

    def __init__(self, stream=None, tty=None, heartbeat=30.0, refresh=1.0, clock=None):
        self.stream = sys.stderr if stream is None else stream
        if tty is None:
            tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.tty, self.heartbeat, self.refresh = tty, heartbeat, refresh
        self.clock = time.perf_counter if clock is None else clock
        self.start_time = self.clock()
        self.costs, self.finished, self.times = {}, set(), {}
        self.last_done = self.start_time
        self.current, self.current_start, self._next_beat = None, None, heartbeat
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread = None
        self._shown = False

    # ----------------------------------------------------------- bookkeeping
    def elapsed(self):
        """Seconds since the run started."""
        return self.clock() - self.start_time

    def plan(self, costs):
        """Set the planned fits: ``(label, method) -> expected cost``."""
        with self._lock:
            self.costs = dict(costs)

    def counts(self):
        """Fits finished and fits planned (finished ones included)."""
        return len(self.finished), len(self.costs)

    def estimate(self):
        """Seconds left (:func:`time_left`), or None before the first fit ends."""
        with self._lock:
            done = sum(self.costs[k] for k in self.finished)
            left = [k for k in self.costs if k not in self.finished]
            running = 0.0
            running_cost = 0.0
            if self.current in self.costs and self.current not in self.finished:
                running = self.clock() - self.current_start
                running_cost = self.costs[self.current]
                left.remove(self.current)
            return time_left(
                self.last_done - self.start_time,
                done,
                sum(self.costs[k] for k in left),
                running,
                running_cost,
            )

    def drop(self, prefix):
        """Forget planned fits that will not run (a skipped case or section).

        Drops every fit not yet finished whose label is ``prefix`` or starts
        with ``prefix`` and a space.
        """
        with self._lock:
            for key in list(self.costs):
                label = key[0]
                matches = label == prefix or label.startswith(prefix + " ")
                if matches and key not in self.finished:
                    del self.costs[key]

    # ----------------------------------------------------------------- events
    def start(self, label, method):
        """A fit starts: show it (and keep showing it while it runs)."""
        with self._lock:
            self.current, self.current_start = (label, method), self.clock()
            self._next_beat = self.heartbeat
            if self.tty:
                self._draw()
        self._ensure_thread()

    def done(self, label, method, detail=""):
        """A fit ended: count it, record its time, print one line."""
        with self._lock:
            now, key = self.clock(), (label, method)
            self.times[key] = now - self.last_done
            self.last_done = now
            self.finished.add(key)
            if key not in self.costs:  # not planned: count it as a typical fit
                typical = statistics.median(self.costs.values()) if self.costs else 1
                self.costs[key] = typical
            self.current = None
            n_done, n_total = self.counts()
            left = self.estimate()
            when = "" if left is None else f", about {format_duration(left)} left"
            self._line(f"{n_done}/{n_total} fits{when}  {label}  {method}  {detail}")

    def __call__(self, *parts):
        """Print one message line (elapsed time, then ``parts``)."""
        with self._lock:
            self._line("  ".join(str(p) for p in parts))

    def close(self):
        """Stop the background thread and end the status line."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        with self._lock:
            self._clear()

    # ---------------------------------------------------------------- output
    def _stamp(self):
        return f"[{format_duration(self.elapsed()):>7}]"

    def _write(self, text):
        self.stream.write(text)
        self.stream.flush()

    def _clear(self):
        if self.tty and self._shown:
            self._write("\r" + " " * self._width() + "\r")
            self._shown = False

    def _line(self, text):
        self._clear()
        self._write(f"{self._stamp()} {text}\n")
        if self.tty and self.costs:
            self._draw()

    def _width(self):
        return max(40, shutil.get_terminal_size((100, 20)).columns - 1)

    def status(self):
        """The status line: counts, bar, time left and the running fit."""
        n_done, n_total = self.counts()
        filled = int(_BAR_WIDTH * n_done / n_total) if n_total else 0
        bar = "#" * filled + "-" * (_BAR_WIDTH - filled)
        left = self.estimate()
        when = (
            "estimating time left"
            if left is None
            else (f"about {format_duration(left)} left")
        )
        text = f"{self._stamp()} {n_done}/{n_total} fits [{bar}] {when}"
        if self.current is not None:
            running = format_duration(self.clock() - self.current_start)
            text += f"  running {running}: {' '.join(self.current)}"
        return text

    def _draw(self):
        text = self.status()
        width = self._width()
        if len(text) > width:
            text = text[: width - 1] + "…"
        self._write("\r" + text.ljust(width))
        self._shown = True

    def tick(self):
        """Redraw the status line, or print a heartbeat line when it is due."""
        with self._lock:
            if self.tty and self.costs:
                self._draw()
            if self.tty or self.current is None:
                return
            running = self.clock() - self.current_start
            if self.heartbeat and running >= self._next_beat:
                self._next_beat += self.heartbeat
                name = " ".join(self.current)
                self._line(f"still running after {format_duration(running)}: {name}")

    def _ensure_thread(self):
        if self.refresh is None or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self):
        while not self._stop.wait(self.refresh):
            self.tick()
