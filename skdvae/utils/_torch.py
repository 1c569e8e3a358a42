"""Private torch helpers shared by the DiffusionVAE modules.

Thread control, tensor conversion that never aliases the caller's arrays, and
deterministic float64 inference of a trained module.
"""

import copy
from contextlib import contextmanager

import numpy as np
import torch

__all__ = ["as_tensor", "inference_copy", "predict", "tensor64", "torch_threads"]

# Rows per forward pass at inference.
INFERENCE_BATCH = 8192


@contextmanager
def torch_threads(n_threads=1):
    """Run torch CPU ops with ``n_threads`` intra-op threads, then restore.

    The networks are small: intra-op threading costs more than it saves
    (a 64-wide MLP step runs several times faster on one thread than on two).
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(n_threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def as_tensor(A):
    """Float32 tensor owning a copy of ``A`` (safe for read-only input)."""
    return torch.from_numpy(np.array(A, dtype=np.float32, copy=True))


def tensor64(A):
    """Float64 tensor owning a copy of ``A``."""
    return torch.from_numpy(np.array(A, dtype=np.float64, copy=True))


def inference_copy(module):
    """A float64 copy of ``module`` in evaluation mode."""
    return copy.deepcopy(module).to(torch.float64).eval()


def predict(module, A, method="forward"):
    """Apply ``module.<method>`` to the rows of ``A``, in float64, eval mode.

    Inference runs on a float64 copy of the (float32-trained) module, so a
    row's result does not depend on the batch it is computed in (float32
    matrix products round differently for different batch shapes).

    Parameters
    ----------
    module : torch.nn.Module
        A trained module (left unchanged).
    A : ndarray of shape (n_samples, ...)
        Input rows.
    method : str, default="forward"
        Name of the module's method to apply.

    Returns
    -------
    out : ndarray
        Float64 output, on the CPU.
    """
    module = inference_copy(module)
    fn = getattr(module, method)
    device = next(module.parameters()).device
    with torch.no_grad(), torch_threads():
        out = [
            fn(tensor64(A[i : i + INFERENCE_BATCH]).to(device)).cpu()
            for i in range(0, len(A), INFERENCE_BATCH)
        ]
    return torch.cat(out).numpy()
