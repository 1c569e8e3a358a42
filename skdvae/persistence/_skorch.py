"""Codecs of DiffusionVAE's private skorch nets and their parts.

A net is stored as what rebuilds it: its class and constructor parameters
(modules, criteria and optimiser by allowed class name, callbacks by class
and parameters, the batch-order generator by its state), then the weights
and buffers of its module and criterion (safetensors), the optimiser's state
(Adam moments, so a warm start continues exactly) and the training history.
On load the net is constructed, initialised inside ``torch.random.fork_rng``
(so the global random state is left alone) and the saved state is loaded
into it; shapes and dtypes must match what the constructor built.

Callbacks keep no state between fits (skorch resets them at the start of
each), so their parameters are all there is to store.
"""

import functools
import warnings

import torch
from skorch.helper import predefined_split
from skorch.history import History

from skdvae.exceptions import _user_stacklevel
from skdvae.persistence._errors import ModelFileError
from skdvae.persistence._nodes import ClassCodec, fields
from skdvae.utils._torch import private_torch_rng

__all__ = ["CallbackCodec", "HistoryCodec", "NetCodec", "PredefinedSplitCodec"]

# The function behind skorch.helper.predefined_split, without a private import.
_MAKE_SPLIT = predefined_split(None).func
_MODULE_FIELDS = ["state", "attributes", "training"]


def _plain_attributes(module):
    """Attributes set on a module besides torch's own bookkeeping."""
    return {
        name: value
        for name, value in vars(module).items()
        if not name.startswith("_") and name != "training"
    }


def _encode_module(encoder, module, path):
    submodules = dict(module.named_modules())
    return {
        "__type__": "module_state",
        "state": encoder.encode(dict(module.state_dict()), f"{path}.state_dict"),
        "attributes": {
            name: encoder.encode_attributes(_plain_attributes(m), f"{path}[{name!r}]")
            for name, m in submodules.items()
        },
        "training": [name for name, m in submodules.items() if m.training],
    }


def _load_module(decoder, module, node, path):
    """Load a module's saved weights, buffers, attributes and training flags."""
    state, attributes, training = fields(node, _MODULE_FIELDS, path)
    state = decoder.decode(state, f"{path}.state_dict")
    expected = module.state_dict()
    if type(state) is not dict or any(
        type(state.get(k)) is not torch.Tensor or state[k].dtype != v.dtype
        for k, v in expected.items()
    ):
        raise ModelFileError(f"{path}: the saved weights do not match the network.")
    try:
        module.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise ModelFileError(f"{path}: the saved weights do not fit: {exc}") from exc
    submodules = dict(module.named_modules())
    if type(attributes) is not dict or not set(attributes) <= set(submodules):
        raise ModelFileError(f"{path}: attributes of unknown submodules.")
    for name, values in attributes.items():
        sub = submodules[name]
        values = decoder.decode_attributes(values, f"{path}[{name!r}]", type(sub))
        if set(values) & (set(sub._parameters) | set(sub._buffers) | set(sub._modules)):
            raise ModelFileError(f"{path}[{name!r}]: attributes shadow its tensors.")
        for key, value in values.items():
            setattr(sub, key, value)
    if type(training) is not list:
        raise ModelFileError(f"{path}: malformed training flags.")
    for name, sub in submodules.items():
        sub.training = name in training


def _device(device, path):
    """``device``, or the CPU (with a warning) when it is not available."""
    if isinstance(device, str) and device.startswith("cuda"):
        if not torch.cuda.is_available():
            warnings.warn(
                f"{path} was saved on device {device!r}, which is not available; "
                "it is loaded on the CPU.",
                UserWarning,
                stacklevel=_user_stacklevel(),
            )
            return "cpu"
    return device


class NetCodec(ClassCodec):
    """skdvae's private skorch nets (one module, criterion and optimiser).

    Parameters
    ----------
    classes : sequence of type
        The net classes.
    """

    tag = "skorch_net"

    def encode(self, encoder, net, path):
        """Node of the net's parameters and trained state."""
        parts = (net._modules, net._criteria, net._optimizers)
        if not net.initialized_ or parts != (["module"], ["criterion"], ["optimizer"]):
            encoder.refuse(net, path, "Only initialised skdvae nets are stored.")
        params = {
            k: v for k, v in net.get_params(deep=False).items() if not k.startswith("_")
        }
        return self.node(
            net,
            params=encoder.encode_attributes(params, f"{path}.params"),
            module=_encode_module(encoder, net.module_, f"{path}.module_"),
            criterion=_encode_module(encoder, net.criterion_, f"{path}.criterion_"),
            optimizer=encoder.encode(net.optimizer_.state_dict(), f"{path}.optim"),
            history=encoder.encode(net.history_, f"{path}.history_"),
        )

    def decode(self, decoder, node, path):
        """The net: constructed, initialised, then loaded with the saved state."""
        names = ["class", "params", "module", "criterion", "optimizer", "history"]
        name, params, module, criterion, optimizer, history = fields(node, names, path)
        cls = self.lookup(name, path)
        params = decoder.decode_attributes(params, f"{path}.params")
        params["device"] = _device(params.get("device", "cpu"), path)
        try:
            net = cls(**params)
            with private_torch_rng():
                net.initialize()
        except (TypeError, ValueError, AttributeError) as exc:
            raise ModelFileError(f"{path}: cannot rebuild the net: {exc}") from exc
        _load_module(decoder, net.module_, module, f"{path}.module_")
        _load_module(decoder, net.criterion_, criterion, f"{path}.criterion_")
        optimizer = decoder.decode(optimizer, f"{path}.optim")
        try:
            net.optimizer_.load_state_dict(optimizer)
        except (KeyError, TypeError, ValueError, RuntimeError) as exc:
            raise ModelFileError(f"{path}: malformed optimiser state: {exc}") from exc
        history = decoder.decode(history, f"{path}.history_")
        if type(history) is not History:
            raise ModelFileError(f"{path}: malformed training history.")
        net.history_ = history
        return net


class CallbackCodec(ClassCodec):
    """skorch callbacks, by class and constructor parameters.

    Parameters
    ----------
    classes : sequence of type
        The callback classes.
    """

    tag = "skorch_callback"

    def encode(self, encoder, callback, path):
        """Node of the class and parameters."""
        params = callback.get_params(deep=False)
        return self.node(
            callback, params=encoder.encode_attributes(params, f"{path}.params")
        )

    def decode(self, decoder, node, path):
        """``cls(**params)``."""
        name, params = fields(node, ["class", "params"], path)
        cls = self.lookup(name, path)
        params = decoder.decode_attributes(params, f"{path}.params")
        try:
            return cls(**params)
        except TypeError as exc:
            raise ModelFileError(f"{path}: cannot rebuild {name}: {exc}") from exc


class HistoryCodec:
    """A skorch :class:`~skorch.history.History`: its rows (plain values)."""

    tag = "skorch_history"
    types = (History,)

    def encode(self, encoder, history, path):
        """Node of the list of epoch dictionaries."""
        return {"__type__": self.tag, "rows": encoder.encode(list(history), path)}

    def decode(self, decoder, node, path):
        """The history, from its rows."""
        (rows,) = fields(node, ["rows"], path)
        rows = decoder.decode(rows, path)
        if type(rows) is not list or not all(type(r) is dict for r in rows):
            raise ModelFileError(f"{path}: malformed training history.")
        return History(rows)


class PredefinedSplitCodec:
    """skorch's ``predefined_split(dataset)``: an explicit validation set."""

    tag = "predefined_split"
    types = (functools.partial,)

    def encode(self, encoder, split, path):
        """Node of the validation dataset; other partials are refused."""
        if (
            split.func is not _MAKE_SPLIT
            or split.args
            or set(split.keywords) != {"valid_ds"}
        ):
            encoder.refuse(split, path)
        dataset = encoder.encode(split.keywords["valid_ds"], f"{path}.valid_ds")
        return {"__type__": self.tag, "dataset": dataset}

    def decode(self, decoder, node, path):
        """``predefined_split(dataset)``."""
        (dataset,) = fields(node, ["dataset"], path)
        return predefined_split(decoder.decode(dataset, f"{path}.valid_ds"))
