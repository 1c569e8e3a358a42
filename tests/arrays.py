"""Find the copies of the training data that a fitted estimator keeps."""

import numpy as np

# Objects whose attributes are followed: skdvae's, and the neighbour indexes
# of scikit-learn and pynndescent that skdvae's objects hold.
FOLLOWED = ("skdvae", "sklearn", "pynndescent")


def data_arrays(obj, shape, depth=5, seen=None):
    """Arrays of ``shape`` held by ``obj`` or by the objects it holds.

    Follows the attributes of objects defined in skdvae, scikit-learn and
    pynndescent (a fitted estimator, its helpers, nested estimators and
    neighbour indexes, with the arrays of scikit-learn's trees) and the items
    of lists, tuples and dicts, ``depth`` levels deep.
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
    elif type(obj).__module__.startswith(FOLLOWED):
        children = list(getattr(obj, "__dict__", {}).values())
        if hasattr(obj, "get_arrays"):  # scikit-learn's KD and ball trees
            children += [np.asarray(a) for a in obj.get_arrays()]
    else:
        return []
    found = []
    for child in children:
        found += data_arrays(child, shape, depth - 1, seen)
    return found
