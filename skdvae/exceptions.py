"""Public warnings and errors of skdvae."""

import inspect
import os

__all__ = ["DisconnectedGraphWarning", "SmallDataWarning"]


class DisconnectedGraphWarning(UserWarning):
    """The kernel graph has several connected components, or nearly so.

    Informational: the eigenvalue 1 of the Markov operator is then repeated,
    so :class:`skdvae.DiffusionMap` computes each component's own spectrum,
    describes every component by its own diffusion coordinates in the shared
    dimensions and displaces the components so that they do not overlap
    (``component_labels_``, ``component_offsets_``). A connected component
    whose leading eigenvalues are nearly repeated at 1 (pieces joined by a
    few bridging points) is cut into those pieces first, and the warning
    says what was cut; ``split_gap=None`` keeps it whole.
    """


class SmallDataWarning(UserWarning):
    """The data hold fewer samples than a size parameter asks for.

    The estimator then uses what the data allow (for example every other
    fitted point as a neighbour when ``n_neighbors`` exceeds the number of
    fitted samples) and records the value used in a fitted attribute
    (``n_neighbors_``). Pass a value the data allow to silence it, or filter
    this class with :func:`warnings.filterwarnings`.
    """


def _user_stacklevel():
    """``stacklevel`` of the first caller outside skdvae and scikit-learn.

    For a warning issued by the function that calls this one. Frames inside
    the package, skorch (whose callbacks issue the training warnings) and
    scikit-learn (whose ``_fit_context`` wraps ``fit``, and whose pipelines
    call ``fit_transform``) are skipped, so the warning
    names the line of the user's code that started the computation.

    Returns
    -------
    stacklevel : int
    """
    import sklearn
    import skorch

    inside = tuple(
        os.path.dirname(module.__file__) + os.sep
        for module in (inspect.getmodule(_user_stacklevel), sklearn, skorch)
    )
    # Level 1 is the function that warns, the caller of this one.
    frame, level = inspect.currentframe().f_back, 1
    while frame.f_back is not None and frame.f_code.co_filename.startswith(inside):
        frame, level = frame.f_back, level + 1
    return level
