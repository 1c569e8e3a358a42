"""DiffusionVAE's parameters resolved for one fit: sizes, widths, device.

Plain functions of the estimator's parameters (``get_params()``) and the data's
shape; they raise scikit-learn-worded errors for settings that the parameter
constraints cannot check alone (they depend on the data).
"""

import warnings
from numbers import Integral
from typing import NamedTuple

import numpy as np
import torch

from skdvae.exceptions import _user_stacklevel
from skdvae.vae._accelerate import make_accelerator

__all__ = [
    "OWN_DIFFUSION_MAP_PARAMS",
    "TrainingSettings",
    "device_settings",
    "diffusion_map_params",
    "n_validation",
    "resolve_batch_size",
    "training_settings",
]

# Parameters of the regression route's DiffusionMap that DiffusionVAE sets.
OWN_DIFFUSION_MAP_PARAMS = (
    "n_components",
    "n_neighbors",
    "alpha",
    "t",
    "random_state",
    "verbose",
)
# Widest decoder layer of decoder_hidden_layer_sizes="auto".
MAX_AUTO_DECODER_WIDTH = 512


class TrainingSettings(NamedTuple):
    """Hyperparameters of the nets of both stages."""

    n_components: int
    hidden_layer_sizes: tuple
    decoder_hidden_layer_sizes: tuple
    n_detail: int
    batch_size: int
    max_iter: int
    learning_rate_init: float
    tol: float
    n_iter_no_change: int
    verbose: int
    device: str
    accelerator: object = None


def n_validation(params, n_samples):
    """Rows held out for validation (0 without ``early_stopping``)."""
    if not params["early_stopping"]:
        return 0
    n_val = int(round(params["validation_fraction"] * n_samples))
    return min(max(1, n_val), n_samples - 2)


def check_sizes(params, n_samples):
    """Raise for sizes the data cannot support; return the validation rows."""
    n_val = n_validation(params, n_samples)
    n_fit = n_samples - n_val
    n_components = params["n_components"]
    if params["encoder"] == "spectralnet" and n_components != "auto":
        if n_components >= n_fit:
            raise ValueError(
                f"n_components={n_components} must be below the number of "
                f"training samples ({n_fit})."
            )
    return n_val


def resolve_batch_size(batch_size, n_train):
    """Minibatch size for ``n_train`` training points.

    ``"auto"`` is ``n_train // 16`` clipped to [32, 128] (and at most
    ``n_train``): at least 16 optimiser steps per epoch on small data sets,
    batches of 128 on large ones. An int larger than ``n_train`` is capped
    at it, with a warning (as :class:`~sklearn.neural_network.MLPRegressor`
    does).
    """
    if batch_size == "auto":
        return min(n_train, max(32, min(128, n_train // 16)))
    if batch_size > n_train:
        warnings.warn(
            f"batch_size={batch_size} is larger than the {n_train} training "
            f"samples; batches of {n_train} are used.",
            UserWarning,
            stacklevel=_user_stacklevel(),
        )
    return min(batch_size, n_train)


def layer_sizes(sizes, name):
    """Hidden layer sizes as a tuple (an int is one hidden layer)."""
    layers = (sizes,) if isinstance(sizes, Integral) else tuple(sizes)
    if not all(isinstance(h, Integral) and h > 0 for h in layers):
        raise ValueError(f"{name} must contain positive integers, got {sizes!r}.")
    return tuple(int(h) for h in layers)


def decoder_layer_sizes(sizes, hidden, n_features):
    """The decoder's widths; ``"auto"``: as wide as the data, within limits.

    As many layers as ``hidden``, each ``n_features`` rounded up to a power
    of two, at least the widest hidden layer and at most 512.
    """
    if not isinstance(sizes, str):
        return layer_sizes(sizes, "decoder_hidden_layer_sizes")
    width = 2 ** int(np.ceil(np.log2(max(n_features, 1))))
    width = min(MAX_AUTO_DECODER_WIDTH, max(max(hidden, default=1), width))
    return (width,) * len(hidden)


def resolve_device(device):
    """The torch device string, or a ValueError saying what is wrong."""
    try:
        resolved = torch.device(device)
    except RuntimeError as exc:
        raise ValueError(f"Invalid device {device!r}: {exc}") from exc
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError("device='cuda' was requested but CUDA is not available.")
    return str(resolved)


def training_settings(params, n_features, n_train, n_components, devices=None):
    """The :class:`TrainingSettings` of a fit on ``n_train`` points.

    ``devices`` is the result of :func:`device_settings` (computed here if
    None).
    """
    hidden = layer_sizes(params["hidden_layer_sizes"], "hidden_layer_sizes")
    return TrainingSettings(
        n_components=n_components,
        hidden_layer_sizes=hidden,
        decoder_hidden_layer_sizes=decoder_layer_sizes(
            params["decoder_hidden_layer_sizes"], hidden, n_features
        ),
        n_detail=params["n_detail_components"],
        batch_size=resolve_batch_size(params["batch_size"], n_train),
        max_iter=params["max_iter"],
        learning_rate_init=params["learning_rate_init"],
        tol=params["tol"],
        n_iter_no_change=params["n_iter_no_change"],
        verbose=params["verbose"],
        **(device_settings(params) if devices is None else devices),
    )


def device_settings(params):
    """``device`` and ``accelerator`` of a fit, or the error that stops it.

    Called before ``fit`` changes anything. ``accelerator`` is None unless
    ``accelerate=True``, which creates the fit's ``Accelerator``
    (:func:`skdvae.vae._accelerate.make_accelerator`); the nets then use its
    device.
    """
    device = resolve_device(params["device"])
    if not params["accelerate"]:
        return {"device": device, "accelerator": None}
    if params["warm_start"]:
        raise ValueError("warm_start=True is not supported with accelerate=True.")
    accelerator = make_accelerator(params["device"])
    return {"device": str(accelerator.device), "accelerator": accelerator}


def diffusion_map_params(params):
    """Parameters of the regression route's :class:`skdvae.DiffusionMap`."""
    extra = dict(params["diffusion_map_params"] or {})
    clash = sorted(set(extra) & set(OWN_DIFFUSION_MAP_PARAMS))
    if clash:
        raise ValueError(
            f"diffusion_map_params may not set {clash}: they are parameters "
            "of DiffusionVAE itself."
        )
    # random_state is drawn from the estimator's seeds (see _stages.Seeds).
    own = {k: params[k] for k in OWN_DIFFUSION_MAP_PARAMS if k != "random_state"}
    return {**own, **extra}
