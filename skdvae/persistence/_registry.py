"""What the safe format may store and rebuild: the allow-list.

Every class or function a model file may name is listed here, by its
qualified name. Loading resolves names through these tables only (never by
importing a name read from a file), so adding a type to the format means
adding it here, deliberately.
"""

import torch
from skorch.dataset import Dataset
from torch.utils.data import DataLoader

from skdvae.diffusion_map import DiffusionMap
from skdvae.diffusion_map._neighbors import NeighborSearch
from skdvae.diffusion_map._preimage import LocalLinearPreimage
from skdvae.persistence._nodes import qualified_name
from skdvae.persistence._objects import (
    AttributeCodec,
    EstimatorCodec,
    GeneratorCodec,
    NearestNeighborsCodec,
)
from skdvae.persistence._skorch import (
    CallbackCodec,
    HistoryCodec,
    NetCodec,
    PredefinedSplitCodec,
)
from skdvae.vae import DiffusionVAE, _losses, _modules, _nets

__all__ = ["CODECS_BY_TAG", "CODECS_BY_TYPE", "ESTIMATORS", "REFERENCES"]

#: The estimators :func:`skdvae.save` accepts.
ESTIMATORS = (DiffusionMap, DiffusionVAE)

_CODECS = (
    EstimatorCodec(ESTIMATORS),
    AttributeCodec((NeighborSearch, LocalLinearPreimage, _nets.BatchDataset)),
    NearestNeighborsCodec(),
    GeneratorCodec(),
    NetCodec((_nets.EncoderNet, _nets.SpectralNet, _nets.TransitionNet)),
    CallbackCodec(
        (
            _nets.StopOnNonFinite,
            _nets.SmoothedLoss,
            _nets.WeightWarmup,
            _nets.StoppingRule,
            _nets.PlainPrintLog,
        )
    ),
    HistoryCodec(),
    PredefinedSplitCodec(),
)
CODECS_BY_TYPE = {kind: codec for codec in _CODECS for kind in codec.types}
CODECS_BY_TAG = {codec.tag: codec for codec in _CODECS}

#: Classes and functions stored by name: the nets' constructor arguments.
REFERENCES = {
    qualified_name(obj): obj
    for obj in (
        _modules.EncoderMean,
        _modules.SpectralNetModule,
        _modules.TransitionModule,
        _losses.ScaledMSELoss,
        _losses.SpectralLoss,
        _losses.TransitionLoss,
        torch.optim.Adam,
        DataLoader,
        Dataset,
        _nets.collate_batch,
        print,
    )
}
