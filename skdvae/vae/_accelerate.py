"""Data-parallel training of DiffusionVAE's networks with Hugging Face Accelerate.

With ``DiffusionVAE(accelerate=True)`` both stages' skorch nets train through
skorch's :class:`~skorch.hf.AccelerateMixin`: started by ``accelerate launch``
(or ``torchrun``), every process fits the same diffusion map, then trains on
its own minibatches while DistributedDataParallel averages the gradients.
This module holds what the mixin leaves to its user:

- :func:`make_accelerator`: the ``Accelerator`` of one fit, on the kind of
  device the estimator's ``device`` names (accelerate gives each process its
  own device of that kind);
- :func:`net_options`, :func:`accelerated_class`: a net class with the
  mixin, which leaves the parameterless criteria unwrapped
  (DistributedDataParallel refuses modules without parameters; skorch
  already puts them on the net's device);
- :class:`AverageOverProcesses`: the epoch's losses averaged over the
  processes before the stopping rule reads them, so that every process stops
  at the same epoch and restores the same best weights;
- :func:`check_same_on_every_process`: stage 1 runs in every process; its
  results must agree before gradients are averaged;
- :func:`unwrapped`: the module inside a DistributedDataParallel wrapper;
- :func:`detach_accelerator`: after training, the net as a plain fit would
  have left it (modules unwrapped, no accelerator), so that the fitted
  estimator pickles and saves as usual.
"""

import hashlib

import numpy as np
import torch
from skorch.callbacks import Callback

__all__ = [
    "AverageOverProcesses",
    "accelerated_class",
    "check_same_on_every_process",
    "detach_accelerator",
    "make_accelerator",
    "net_options",
    "unwrapped",
]

AVERAGE_CALLBACK = "average_over_processes"
_CLASSES = {}


def make_accelerator(device):
    """The ``Accelerator`` of a fit with ``accelerate=True``.

    Parameters
    ----------
    device : str
        The estimator's ``device``: ``"cpu"`` trains every process on the CPU,
        ``"cuda"`` each process on its own GPU (the launcher's local rank).

    Returns
    -------
    accelerate.Accelerator
        Without device placement: skorch moves the batches to the device.
        accelerate keeps one state per process, so settings of an
        ``Accelerator`` created earlier in the process (mixed precision, for
        one) or by the launcher apply.

    Raises
    ------
    ImportError
        If accelerate is not installed.
    ValueError
        If ``device`` names a device index (accelerate assigns the index), or
        accelerate's state in this process is on another kind of device.
    """
    try:
        from accelerate import Accelerator
    except ImportError as exc:
        raise ImportError(
            "DiffusionVAE(accelerate=True) needs the accelerate package: "
            "pip install 'skdvae[scale]'."
        ) from exc
    kind = torch.device(device)
    if kind.index is not None:
        raise ValueError(
            "With accelerate=True, device names the kind of device ('cpu' or "
            f"'cuda'); accelerate gives each process its own. Got {device!r}."
        )
    accelerator = Accelerator(cpu=kind.type == "cpu", device_placement=False)
    if accelerator.device.type != kind.type:
        # accelerate keeps one state per process, set by its first Accelerator.
        raise ValueError(
            f"device={device!r} was requested, but accelerate's state in this "
            f"process, set up earlier, trains on {accelerator.device}."
        )
    return accelerator


def accelerated_class(net_class):
    """``net_class`` with skorch's ``AccelerateMixin`` (one class per net class)."""
    if net_class not in _CLASSES:
        from skorch.hf import AccelerateMixin

        class Accelerated(AccelerateMixin, net_class):
            def _initialize_accelerator(self):
                # The criteria have no parameters: nothing to synchronise.
                criteria, self._criteria = self._criteria, []
                try:
                    return super()._initialize_accelerator()
                finally:
                    self._criteria = criteria

        Accelerated.__name__ = f"Accelerated{net_class.__name__}"
        Accelerated.__qualname__ = Accelerated.__name__
        Accelerated.plain_class = net_class
        _CLASSES[net_class] = Accelerated
    return _CLASSES[net_class]


def net_options(net_class, device, accelerator, callbacks, verbose):
    """Class, device options and extra callbacks of a plain or accelerated net.

    Returns
    -------
    net_class : type
        ``net_class``, or :func:`accelerated_class` of it.
    options : dict
        ``device`` (the accelerator's with one), ``accelerator`` and the
        epoch table's sink: the accelerator's ``print`` (main process only)
        when ``verbose``, else ``print``, which skorch silences.
    callbacks : list
        ``callbacks``, after :class:`AverageOverProcesses` with an accelerator.
    """
    if accelerator is None:
        return net_class, {"device": device}, list(callbacks)
    options = {
        "accelerator": accelerator,
        "device": str(accelerator.device),
        "callbacks__print_log__sink": accelerator.print if verbose else print,
    }
    average = (AVERAGE_CALLBACK, AverageOverProcesses())
    return accelerated_class(net_class), options, [average, *callbacks]


class AverageOverProcesses(Callback):
    """Replace the epoch's ``train_loss`` and ``valid_loss`` by their process mean.

    Each process computes its losses on its own shard of the data; the
    stopping rule must see the same numbers everywhere. Runs after skorch's
    loss scoring and before :class:`~skdvae.vae._nets.SmoothedLoss`.
    """

    def on_epoch_end(self, net, **kwargs):
        """All-reduce the epoch's losses (a no-op in one process)."""
        accelerator = net.accelerator
        for key in ("train_loss", "valid_loss"):
            if key in net.history[-1]:
                value = torch.tensor(net.history[-1, key], device=accelerator.device)
                net.history.record(key, accelerator.reduce(value, "mean").item())


# Largest difference between the processes' diffusion coordinates, relative
# to their largest magnitude, taken as agreement: the AMG eigensolver is
# reproducible only to rounding (refits differed by up to 1e-7 relative on
# 25,000 points: benchmarks/results/bench_determinism.md).
COORDINATE_RTOL = 1e-5


def check_same_on_every_process(accelerator, coordinates, indices):
    """Raise if stage 1 differs between the processes of a data-parallel fit.

    Every process computes stage 1 (the diffusion map, the neighbour graph)
    itself; averaging gradients is only meaningful if they all got the same:
    the same neighbour indices, and coordinates equal to ``COORDINATE_RTOL``.

    Parameters
    ----------
    accelerator : accelerate.Accelerator or None
        The fit's accelerator (None, or one process: nothing to check).
    coordinates : ndarray of shape (n_samples, n_components)
        The diffusion coordinates (the encoder's regression targets).
    indices : ndarray of shape (n_samples, n_neighbors)
        The training points' neighbour indices.
    """
    if accelerator is None or accelerator.num_processes == 1:
        return
    device = accelerator.device
    digest = hashlib.sha256(np.ascontiguousarray(indices).tobytes()).digest()
    value = int.from_bytes(digest[:7], "little")  # fits in an int64
    digests = accelerator.gather(torch.tensor([value], device=device))
    Y = torch.as_tensor(np.asarray(coordinates, dtype=np.float64), device=device)
    every = accelerator.gather(Y[None]).reshape(-1, *Y.shape)
    spread = float((every - every[:1]).abs().max())
    scale = max(float(every.abs().max()), np.finfo(np.float64).tiny)
    if len(set(digests.tolist())) > 1 or spread > COORDINATE_RTOL * scale:
        raise RuntimeError(
            "The processes of this data-parallel fit computed different "
            "diffusion maps or neighbour graphs, so their gradients cannot be "
            "averaged. The approximate neighbour search is a possible cause: "
            "pass diffusion_map_params={'neighbors': 'exact'}."
        )


def unwrapped(module):
    """``module`` itself, or the module a DistributedDataParallel wraps."""
    if isinstance(module, torch.nn.parallel.DistributedDataParallel):
        return module.module
    return module


def detach_accelerator(net):
    """Turn a trained accelerated net into the plain net it extends, in place.

    The mixin has already unwrapped the modules at the end of training; this
    drops the accelerator, its optimiser wrapper, the averaging callback and
    the accelerator's print function, which cannot be pickled. A plain net is
    returned unchanged.
    """
    plain_class = getattr(type(net), "plain_class", None)
    if plain_class is None:
        return net
    for name in (
        "accelerator",
        "unwrap_after_train",
        "_wrapped_with_accelerator",
        "callbacks__print_log__sink",
    ):
        vars(net).pop(name, None)
    net._params_to_validate.discard("callbacks__print_log__sink")
    vars(net.module_).pop("_is_accelerate_prepared", None)
    net.__class__ = plain_class
    net.optimizer_ = getattr(net.optimizer_, "optimizer", net.optimizer_)
    net.callbacks = [c for c in net.callbacks if c[0] != AVERAGE_CALLBACK]
    net.callbacks_ = [c for c in net.callbacks_ if c[0] != AVERAGE_CALLBACK]
    dict(net.callbacks_)["print_log"].sink = print
    return net
