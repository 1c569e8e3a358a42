"""Private torch helpers shared by the DiffusionVAE modules.

Thread control, tensor conversion that never aliases the caller's arrays, and
deterministic float64 inference of a trained module.
"""

import copy
import threading
from contextlib import contextmanager

import numpy as np
import torch

from skdvae.utils._blocks import row_blocks

__all__ = [
    "as_tensor",
    "inference_copy",
    "pad_rows",
    "predict",
    "private_torch_rng",
    "tensor64",
    "torch_threads",
]

# Rows per forward pass at inference.
INFERENCE_BATCH = 8192
# Inference batches are padded to a multiple of this many rows: some CPUs' matrix
# products round a row differently when it falls in a partial panel of rows at
# the end of a batch (seen on an AMD EPYC, not on an Intel Xeon), so without
# padding a row's result would depend on its position in the call.
ROW_QUANTUM = 64


# torch's thread count is one setting for the whole process: calls from
# several threads share one change of it, made by the first and undone by the
# last (a plain save-and-restore per call would interleave and could leave the
# process at one thread).
_THREADS = threading.Lock()
_threads_users = 0
_threads_saved = None


@contextmanager
def torch_threads():
    """Run torch CPU ops with one intra-op thread, then restore the setting.

    The networks are small: intra-op threading costs more than it saves
    (a 64-wide MLP step runs several times faster on one thread than on two).
    Safe to enter from several threads at once: the process's setting is
    changed once and restored when the last of them leaves.
    """
    global _threads_users, _threads_saved
    with _THREADS:
        if _threads_users == 0:
            _threads_saved = torch.get_num_threads()
            torch.set_num_threads(1)
        _threads_users += 1
    try:
        yield
    finally:
        with _THREADS:
            _threads_users -= 1
            if _threads_users == 0:
                torch.set_num_threads(_threads_saved)


# torch's global CPU generator is also one per process. Module constructors
# draw their initial weights from it, so seeded initialisations from several
# threads (fits under joblib's threading or dask's threaded workers) take turns:
# another thread seeding or restoring it mid-way would change the weights.
_GLOBAL_RNG = threading.RLock()  # re-entrant: blocks may nest in one thread


@contextmanager
def private_torch_rng(seed=None):
    """Hold torch's global CPU generator, seeded, and restore it on exit.

    Parameters
    ----------
    seed : int or None, default=None
        Seed for the block; None leaves the generator's state as it is (the
        block's draws are then not reproducible, only isolated).
    """
    with _GLOBAL_RNG, torch.random.fork_rng(devices=[]):
        if seed is not None:
            torch.manual_seed(int(seed))
        yield


def as_tensor(A):
    """Float32 tensor owning a copy of ``A`` (safe for read-only input)."""
    return torch.from_numpy(np.array(A, dtype=np.float32, copy=True))


def tensor64(A):
    """Float64 tensor owning a copy of ``A``."""
    return torch.from_numpy(np.array(A, dtype=np.float64, copy=True))


def inference_copy(module):
    """A float64 copy of ``module`` in evaluation mode."""
    return copy.deepcopy(module).to(torch.float64).eval()


def pad_rows(batch):
    """``batch`` with copies of its last row up to a multiple of ROW_QUANTUM."""
    n_pad = -len(batch) % ROW_QUANTUM
    if n_pad == 0 or len(batch) == 0:
        return batch
    return torch.cat([batch, batch[-1:].expand(n_pad, *batch.shape[1:])])


def predict(module, A, method="forward", dtype=np.float64):
    """Apply ``module.<method>`` to the rows of ``A``, in float64, eval mode.

    Inference runs on a float64 copy of the (float32-trained) module, on
    batches padded (with copies of their last row) to a multiple of
    :data:`ROW_QUANTUM` rows, so a row's result does not depend on the batch
    it is computed in (matrix products round differently for different batch
    shapes, and on some CPUs for rows in a partial panel).

    Parameters
    ----------
    module : torch.nn.Module
        A trained module (left unchanged).
    A : ndarray of shape (n_samples, ...)
        Input rows.
    method : str, default="forward"
        Name of the module's method to apply.
    dtype : numpy dtype, default=np.float64
        Dtype of the output; each batch is converted as it is computed, so no
        float64 copy of the whole output is made for another dtype.

    Returns
    -------
    out : ndarray
        The output rows, on the CPU.
    """
    module = inference_copy(module)
    fn = getattr(module, method)
    device = next(module.parameters()).device
    out = None
    with torch.no_grad(), torch_threads():
        for rows in row_blocks(len(A), INFERENCE_BATCH) or [slice(0, 0)]:
            batch = tensor64(A[rows]).to(device)
            part = fn(pad_rows(batch))[: len(batch)].cpu().numpy()
            if out is None:
                out = np.empty((len(A), *part.shape[1:]), dtype=dtype)
            out[rows] = part
    return out
