"""Find the copies of the training data that a fitted estimator keeps."""

import numpy as np


def data_arrays(obj, shape, depth=3, seen=None):
    """Arrays of ``shape`` held by ``obj`` or by the skdvae objects it holds.

    Follows attributes of objects defined in skdvae (the estimator, its
    fitted helpers, a nested diffusion map) and the items of lists, tuples
    and dicts, ``depth`` levels deep.
    """
    seen = set() if seen is None else seen
    if id(obj) in seen or depth < 0:
        return []
    seen.add(id(obj))
    if isinstance(obj, np.ndarray):
        return [obj] if obj.shape == shape else []
    if isinstance(obj, dict):
        children = list(obj.values())
    elif isinstance(obj, (list, tuple)):
        children = list(obj)
    elif type(obj).__module__.startswith("skdvae"):
        children = list(vars(obj).values())
    else:
        return []
    found = []
    for child in children:
        found += data_arrays(child, shape, depth - 1, seen)
    return found
