"""Quality metrics for embeddings and generative samples.

Embedding quality (module ``_embedding``): :func:`trustworthiness`,
:func:`continuity`, :func:`spearman_correlation`, :func:`local_bilipschitz`.
Sample quality (module ``_distributions``): :func:`gromov_wasserstein`,
:func:`precision_recall`, :func:`mode_coverage` and
:func:`manifold_distance_summary`. Topology (module ``_topology``):
:func:`betti_numbers`, with the constants of its counting rule
:data:`COMPONENT_GAP_FACTOR`, :data:`LIFETIME_FACTOR` and
:data:`FILTRATION_FACTOR`.

The Gromov-Wasserstein distance needs POT and the Betti numbers need ripser;
both are imported when used and come with ``pip install skdvae[metrics]``.
"""

from ._distributions import (
    ModeCoverage,
    PrecisionRecall,
    gromov_wasserstein,
    manifold_distance_summary,
    mode_coverage,
    precision_recall,
)
from ._embedding import (
    continuity,
    local_bilipschitz,
    spearman_correlation,
    trustworthiness,
)
from ._topology import (
    COMPONENT_GAP_FACTOR,
    FILTRATION_FACTOR,
    LIFETIME_FACTOR,
    _scales_from_h0,  # noqa: F401  (tested as skdvae.metrics._scales_from_h0)
    betti_numbers,
)

__all__ = [
    "COMPONENT_GAP_FACTOR",
    "FILTRATION_FACTOR",
    "LIFETIME_FACTOR",
    "ModeCoverage",
    "PrecisionRecall",
    "betti_numbers",
    "continuity",
    "gromov_wasserstein",
    "local_bilipschitz",
    "manifold_distance_summary",
    "mode_coverage",
    "precision_recall",
    "spearman_correlation",
    "trustworthiness",
]
