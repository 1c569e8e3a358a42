"""Fitted state that is either complete or absent."""

from contextlib import contextmanager

__all__ = ["unfitted_on_interrupt"]


@contextmanager
def unfitted_on_interrupt(estimator, interrupts=(KeyboardInterrupt,)):
    """Leave ``estimator`` unfitted if its fit is interrupted.

    A fit sets its attributes one stage at a time, so an interrupt (Ctrl-C)
    would leave a half-fitted estimator that ``check_is_fitted`` accepts. On
    any of ``interrupts`` this deletes every fitted attribute (public names
    ending in ``_``, and private ones the fit created) and raises
    KeyboardInterrupt saying that the estimator is not fitted. Parameters and
    scikit-learn's configuration (``set_output``) are kept.

    Parameters
    ----------
    estimator : BaseEstimator
        The estimator being fitted.
    interrupts : tuple of exception types, default=(KeyboardInterrupt,)
        Exceptions that mean the user interrupted the fit.
    """
    before = set(vars(estimator))
    try:
        yield
    except interrupts:
        for name in list(vars(estimator)):
            public_fitted = name.endswith("_") and not name.startswith("__")
            if public_fitted or name not in before:
                delattr(estimator, name)
        raise KeyboardInterrupt(
            f"{type(estimator).__name__}.fit was interrupted; the estimator is "
            "not fitted."
        ) from None
