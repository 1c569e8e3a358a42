"""Codecs of the fitted objects that are not plain values.

Each codec stores an object by its data and rebuilds it on load without
running anything from the file:

- :class:`EstimatorCodec`: skdvae's estimators; parameters go back through
  the constructor and are validated, the fitted attributes are set as they
  were (new plain attributes need no change here);
- :class:`AttributeCodec`: skdvae's small private helper objects
  (neighbour search, pre-image, training datasets): their attributes;
- :class:`NearestNeighborsCodec`: :class:`sklearn.neighbors.NearestNeighbors`
  by its parameters and fitted data, refitted on load (building the tree is
  deterministic, so queries give the same answers bit for bit);
- :class:`GeneratorCodec`: a CPU :class:`torch.Generator` by its state.

A codec has a ``tag`` (the ``"__type__"`` of its nodes), the ``types`` it
encodes (exact types, never subclasses), and ``encode`` / ``decode``.
"""

import torch
from sklearn.neighbors import NearestNeighbors

from skdvae.persistence._errors import ModelFileError
from skdvae.persistence._nodes import ClassCodec, fields

__all__ = [
    "AttributeCodec",
    "EstimatorCodec",
    "GeneratorCodec",
    "NearestNeighborsCodec",
]


class EstimatorCodec(ClassCodec):
    """skdvae's estimators: constructor parameters and fitted attributes.

    Parameters
    ----------
    classes : sequence of type
        The estimator classes.
    """

    tag = "estimator"

    def encode(self, encoder, estimator, path):
        """Node of a fitted (or unfitted, when nested) estimator."""
        params = estimator.get_params(deep=False)
        state = {k: v for k, v in vars(estimator).items() if k not in params}
        return self.node(
            estimator,
            params=encoder.encode_attributes(params, f"{path}.params"),
            state=encoder.encode_attributes(state, path),
        )

    def decode(self, decoder, node, path):
        """The estimator: ``cls(**params)``, validated, then its attributes."""
        name, params, state = fields(node, ["class", "params", "state"], path)
        cls = self.lookup(name, path)
        params = decoder.decode_attributes(params, f"{path}.params")
        try:
            estimator = cls(**params)
            estimator._validate_params()
        except (TypeError, ValueError) as exc:
            raise ModelFileError(
                f"{path}: the file's parameters of {cls.__name__} are invalid: {exc}"
            ) from exc
        attributes = decoder.decode_attributes(state, path, owner=cls)
        clash = sorted(set(attributes) & set(params))
        if clash:
            raise ModelFileError(
                f"{path}: fitted attributes named as parameters {clash}."
            )
        vars(estimator).update(attributes)
        return estimator


class AttributeCodec(ClassCodec):
    """Plain helper objects, stored as their attribute dictionary.

    On load the object is created with ``cls.__new__`` (no ``__init__``) and
    its attributes are set; only the listed classes are accepted.

    Parameters
    ----------
    classes : sequence of type
        The helper classes.
    """

    tag = "object"

    def encode(self, encoder, obj, path):
        """Node holding the class name and the attributes."""
        return self.node(obj, attributes=encoder.encode_attributes(vars(obj), path))

    def decode(self, decoder, node, path):
        """The object, rebuilt from its attributes."""
        name, attributes = fields(node, ["class", "attributes"], path)
        cls = self.lookup(name, path)
        obj = cls.__new__(cls)
        vars(obj).update(decoder.decode_attributes(attributes, path, owner=cls))
        return obj


class NearestNeighborsCodec:
    """:class:`~sklearn.neighbors.NearestNeighbors`, refitted on its data."""

    tag = "nearest_neighbors"
    types = (NearestNeighbors,)

    def encode(self, encoder, index, path):
        """Node of the parameters and the fitted data (None if unfitted)."""
        fit_X = getattr(index, "_fit_X", None)
        return {
            "__type__": self.tag,
            "params": encoder.encode_attributes(index.get_params(), f"{path}.params"),
            "fit_X": encoder.encode(fit_X, f"{path}.fit_X"),
        }

    def decode(self, decoder, node, path):
        """``NearestNeighbors(**params).fit(fit_X)``."""
        params, fit_X = fields(node, ["params", "fit_X"], path)
        params = decoder.decode_attributes(params, f"{path}.params")
        fit_X = decoder.decode(fit_X, f"{path}.fit_X")
        try:
            index = NearestNeighbors(**params)
            return index if fit_X is None else index.fit(fit_X)
        except (TypeError, ValueError) as exc:
            raise ModelFileError(
                f"{path}: cannot rebuild the neighbour index: {exc}"
            ) from exc


class GeneratorCodec:
    """A CPU :class:`torch.Generator`, by its state."""

    tag = "torch_generator"
    types = (torch.Generator,)

    def encode(self, encoder, generator, path):
        """Node holding the generator's state tensor."""
        if generator.device.type != "cpu":
            encoder.refuse(generator, path, "Only CPU generators are stored.")
        state = generator.get_state()
        return {"__type__": self.tag, "state": encoder.encode(state, path)}

    def decode(self, decoder, node, path):
        """A new generator with the saved state."""
        (state,) = fields(node, ["state"], path)
        state = decoder.decode(state, path)
        try:
            return torch.Generator().set_state(state)
        except (TypeError, RuntimeError) as exc:
            raise ModelFileError(f"{path}: malformed generator state: {exc}") from exc
