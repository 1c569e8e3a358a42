"""What every column of the report's result tables means.

:data:`COLUMNS` maps each column header to a sentence; :func:`column_notes`
finds the tables of a report section and lists the meaning of each of their
columns once, so that every section reads on its own.
"""

from benchmarks.walks import N_BINS, RANGE_MARGIN

__all__ = ["COLUMNS", "column_notes", "table_headers"]

_TRUST = (
    "share of neighbourhood ranks kept: 1 when each point's 10 nearest "
    "neighbours in the embedding are also among its nearest in the data (no "
    "false neighbours); computed on a seeded subsample, the same points for "
    "every method"
)
_WALK_DISTANCE = (
    "mean distance of the walkers to the data after one step (synthetic "
    "sets: to the true manifold; images: to the nearest training image)"
)

#: Column header -> what the column shows.
COLUMNS = {
    "method": "the embedding method, with its own defaults and the same "
    "`n_components` as the others",
    "model": "the generative model; the row *true distribution* (synthetic "
    "sets) scores a second fresh sample of the true distribution, the best any "
    "model can do at this sample size, and the row *start points* scores the "
    "held-out points the walks start from",
    "embedding": "the embedding step of the pipeline (*none*: k-NN on the "
    "scaled features, for reference)",
    "status": "`ok`, or why the fit did not finish (an error, a time-out, the "
    "memory cap) or did not run (the method is not installed here)",
    "seeds ok": "seeds whose fit finished, of the seeds run",
    "recall per seed": "recall of each seed's model, in seed order",
    "trustworthiness ↑": _TRUST,
    "continuity ↑": "the converse of trustworthiness: 1 when each point's 10 "
    "nearest neighbours in the data stay among its nearest in the embedding "
    "(no neighbour torn away)",
    "Spearman ↑": "Spearman rank correlation between the pairwise distances in "
    "the embedding and in the data's true intrinsic coordinates (for the Swiss "
    "roll, positions on the unrolled sheet): 1 when the embedding orders all "
    "distances as the unrolled manifold does; `-` for real data, which have "
    "no true coordinates",
    "fit s": "wall time of `fit_transform` on the training data, in seconds, "
    "in a fresh process (generative tables: mean ± standard deviation over "
    "seeds)",
    "fit time ÷ DiffusionMap's": "fit time over DiffusionMap's in the same "
    "run: above 1, slower than DiffusionMap",
    "transform s": "wall time of `transform` on the held-out points, in "
    "seconds (`n/a`: the method has no `transform`)",
    "peak MiB": "peak resident memory of the fit above the process's baseline "
    "(after imports and data loading), in MiB",
    "round-trip error (rel.) ↓": "held-out mean squared error of "
    "`inverse_transform(transform(x))` divided by the held-out variance "
    "`mean ||x - mean(x)||^2`: 0 is perfect, 1 is no better than returning "
    "the mean (`n/a`: the method has no `inverse_transform`)",
    "Gromov-Wasserstein ↓": "Gromov-Wasserstein discrepancy (GW) between the "
    "samples and held-out data (synthetic sets: a fresh sample of the truth), "
    "on seeded subsamples with distances divided by their maximum: it compares "
    "the shapes of the two clouds, ignoring rotation, translation and scale; "
    "0 for the same shape",
    "dist. to manifold ↓": "mean distance of the samples to the true manifold, "
    "in the data's units",
    "dist. q90 ↓": "90th percentile of that distance: how far the worst tenth "
    "of the samples lies",
    "precision ↑": "share of the samples that fall inside the support of the "
    "real data (the union of balls around the real points, each reaching its "
    "5th nearest neighbour; Kynkäänniemi et al., 2019): sample quality",
    "recall ↑": "share of the real points that fall inside the support of the "
    "samples, built the same way: how much of the data the samples cover",
    "Betti per seed": "Betti numbers of the samples, per seed, from persistent "
    "homology: connected pieces, loops and enclosed cavities (a circle is "
    "(1, 1), a sphere (1, 0, 1), a torus (1, 2, 1))",
    "Betti = truth": "seeds whose samples have the Betti numbers of the true manifold",
    "modes hit": "Gaussian grid only: modes, of 25, with at least one sample "
    "within 3 standard deviations of their centre",
    "bi-Lipschitz mean ↓": "local bi-Lipschitz constant of the decoder at "
    "held-out latent points: the largest factor by which it stretches or "
    "shrinks the distances to 10 latent neighbours, each space scaled by its "
    "median distance (1: an isometry up to scale); mean over points",
    "bi-Lipschitz median ↓": "the same constant, median over points",
    "off both circles (> 0.2) ↓": "two circles only: share of samples farther "
    "than 0.2 from both circles, i.e. between or around the pieces",
    "smaller circle's share (0.5 = even)": "two circles only: share of the "
    "samples on the less sampled circle; 0.5 is an even split",
    "walkers x steps": "walkers, each starting from a held-out point, and the "
    "`DiffusionVAE.walk` steps each takes",
    "dist. after 1 step": _WALK_DISTANCE,
    "dist. after last step": "the same mean distance after the last step",
    "ratio (target ≤ 2)": "the distance after the last step over the distance "
    "after one step: above 1, the walkers drift away from the data",
    f"outside range ± {RANGE_MARGIN:.0%} of span (target 0)": "share of the "
    "visited points with a feature outside the training data's range, the "
    f"range widened on each side by {RANGE_MARGIN:.0%} of its span",
    "outside strict range": "the same share against the range itself, which a "
    "point a hair off a curve at its extreme already leaves",
    "acceptance": "share of the walk's Metropolis-Hastings proposals accepted",
    f"bins visited (of {N_BINS})": f"loop only: how many of {N_BINS} equal bins "
    "of the curve parameter the pooled walk points reach (each point taking "
    f"the parameter of its nearest training point); {N_BINS} when the walks "
    "travel the whole loop",
    "latent dim.": "total latent dimension of the model",
    "role": "why the row is there: DiffusionVAE's diffusion and detail "
    "coordinates; for the Gaussian VAE, its latent dimension relative to "
    "DiffusionVAE's, and *best recall* on its row of highest recall",
    "novelty (≈ 1; near 0: copies)": "median distance of the samples to their "
    "nearest training image over the same median for the held-out images: "
    "about 1 for new images, near 0 for copies of training images",
    "CV accuracy ↑": "mean cross-validated accuracy of the pipeline with its "
    "best k-NN setting, ± the standard deviation over folds",
    "best k of k-NN": "the neighbours of the k-NN classifier that gave that accuracy",
    "fit s per pipeline": "mean wall time of fitting one pipeline (scaler, "
    "embedding, classifier) on one training fold, in seconds",
}


def table_headers(lines):
    """Column headers of every Markdown table in ``lines``, first seen first."""
    rows = "\n".join(lines).splitlines()
    headers = []
    for line, below in zip(rows, rows[1:]):
        if line.startswith("| ") and below.startswith("|---"):
            headers += [cell.strip() for cell in line.strip().strip("|").split(" | ")]
    return list(dict.fromkeys(headers))


def column_notes(lines):
    """A bullet list explaining each column of the tables in ``lines``.

    Raises
    ------
    KeyError
        If a column has no entry in :data:`COLUMNS`.
    """
    headers = table_headers(lines)
    if not headers:
        return []
    missing = [h for h in headers if h not in COLUMNS]
    if missing:
        raise KeyError(f"Columns without an explanation in COLUMNS: {missing}")
    notes = [f"- **{h}**: {COLUMNS[h]}." for h in headers]
    return ["The columns (↑: higher is better, ↓: lower is better):", "", *notes, ""]
