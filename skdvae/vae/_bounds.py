"""The bounds of DiffusionVAE's decoder outputs (``output_bounds``).

A bounded decoder squashes each output feature into ``[low, high]`` with a
sigmoid (:class:`skdvae.vae._modules.Decoder`), so decoded points, samples
and every state of a walk stay within the bounds by construction. This
module resolves the parameter into per-feature bounds in the data's units
and checks them against the training data.
"""

import numpy as np

from skdvae.vae._scaling import to_model_units

__all__ = ["clip_to_bounds", "in_model_units", "resolve_output_bounds"]


def _per_feature(values, n_features):
    """``output_bounds`` as a (2, n_features) float64 array, or a ValueError."""
    try:
        bounds = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            "output_bounds must be 'data', None or a pair (low, high) of numbers "
            f"or arrays of shape (n_features,); got {values!r}."
        ) from exc
    if bounds.ndim == 1:
        bounds = bounds[:, np.newaxis]
    shape_ok = bounds.ndim == 2 and bounds.shape[0] == 2
    if not shape_ok or bounds.shape[1] not in (1, n_features):
        raise ValueError(
            "output_bounds must be a pair (low, high) of numbers or of arrays of "
            f"shape (n_features,) = ({n_features},); got an array of shape "
            f"{np.shape(values)}."
        )
    bounds = np.broadcast_to(bounds, (2, n_features))
    if not np.isfinite(bounds).all():
        raise ValueError("output_bounds must be finite.")
    if (bounds[0] > bounds[1]).any():
        feature = int(np.argmax(bounds[0] > bounds[1]))
        raise ValueError(
            f"output_bounds has low > high for feature {feature}: "
            f"{bounds[0, feature]} > {bounds[1, feature]}."
        )
    return bounds


def resolve_output_bounds(output_bounds, X):
    """Per-feature bounds of the decoder's outputs, in the units of ``X``.

    Parameters
    ----------
    output_bounds : "data", None or pair of float or array-like
        The estimator's parameter: ``"data"`` takes each feature's minimum
        and maximum over ``X``; None leaves the outputs unbounded; a pair
        ``(low, high)`` gives the bounds, scalars applying to every feature.
    X : ndarray of shape (n_samples, n_features)
        The training data (validated, finite).

    Returns
    -------
    bounds : tuple of two ndarrays of shape (n_features,), or None
        ``(low, high)`` in float64; None for unbounded outputs.

    Raises
    ------
    ValueError
        If a given pair is malformed, not finite, has ``low > high`` for a
        feature, or does not contain the training data.
    """
    if output_bounds is None:
        return None
    if isinstance(output_bounds, str):  # "data", the only string allowed
        low = X.min(axis=0).astype(np.float64)
        high = X.max(axis=0).astype(np.float64)
        return low, high
    low, high = _per_feature(output_bounds, X.shape[1])
    below, above = X.min(axis=0) < low, X.max(axis=0) > high
    if below.any() or above.any():
        feature = int(np.argmax(below | above))
        raise ValueError(
            f"X has values outside output_bounds: feature {feature} ranges over "
            f"[{X[:, feature].min()}, {X[:, feature].max()}], the bounds are "
            f"[{low[feature]}, {high[feature]}]. A decoder bounded there could "
            "not reconstruct the training data."
        )
    return low.copy(), high.copy()


def in_model_units(bounds, mean, scale):
    """``(low, high)`` converted to the networks' units, or None."""
    if bounds is None:
        return None
    return tuple(to_model_units(b[np.newaxis], mean, scale)[0] for b in bounds)


def clip_to_bounds(X, bounds):
    """``X`` clipped in place to ``bounds`` (None: unchanged), and returned.

    A bounded decoder's outputs lie within the bounds stored in its float32
    buffers; the clip removes only the rounding between those and ``bounds``.
    """
    if bounds is not None:
        np.clip(X, *bounds, out=X)
    return X
