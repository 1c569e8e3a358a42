"""Plain-text progress lines for the slow steps of a fit."""

import time
from contextlib import contextmanager

__all__ = ["step"]


@contextmanager
def step(verbose, owner, what):
    """Print ``[owner] what ...`` before a step and its duration after it.

    Plain text on standard output (no colour codes), flushed at once so that
    a log shows which step is running; nothing when ``verbose`` is 0.

    Parameters
    ----------
    verbose : int
        The estimator's ``verbose``.
    owner : str
        Name printed in brackets (the estimator's class).
    what : str
        The step.
    """
    if not verbose:
        yield
        return
    print(f"[{owner}] {what} ...", flush=True)
    start = time.perf_counter()
    yield
    print(f"[{owner}] {what}: {time.perf_counter() - start:.1f} s", flush=True)
