"""The training stages of :class:`skdvae.DiffusionVAE`, as plain functions.

Each function takes arrays, the training settings and named seeds, and
returns fitted nets and arrays; none of them touches the estimator.

- :func:`fit_regression_encoder`, :func:`fit_spectralnet_encoder`: stage 1,
  the encoder mean psi~ (regression onto :class:`skdvae.DiffusionMap`
  coordinates, or SpectralNet followed by a Rayleigh-Ritz step);
- :func:`training_degree`: the kernel degrees of the training points, whose
  normalisation is the walk's stationary distribution, built with the same
  kernel as the encoder's diffusion map;
- :func:`build_transition_net`, :func:`fit_transition`: stage 2, the
  covariance head and decoder on the minibatch one-step ELBO, the encoder
  frozen.

Every net is a private skorch net (:mod:`skdvae.vae._nets`) initialised
inside ``torch.random.fork_rng`` from its own seed, one thread at a time
(:func:`skdvae.utils._torch.private_torch_rng`), so global random states are
left alone and fits in concurrent threads stay reproducible.
"""

from typing import NamedTuple

import numpy as np
import torch
from sklearn.neighbors import NearestNeighbors

from skdvae.diffusion_map import DiffusionMap
from skdvae.diffusion_map._graph import alpha_normalize, build_kernel_graph
from skdvae.diffusion_map._kernels import adaptive_neighbor
from skdvae.diffusion_map._neighbors import NeighborSearch
from skdvae.diffusion_map._pieces import same_piece_neighbors
from skdvae.utils._torch import as_tensor, predict, private_torch_rng
from skdvae.vae import _nets
from skdvae.vae._accelerate import check_same_on_every_process, unwrapped
from skdvae.vae._latent_search import LatentSearch, use_latent_search
from skdvae.vae._modules import EncoderMean, SpectralNetModule, TransitionModule
from skdvae.vae._neighbors import training_neighbors
from skdvae.vae._prior import global_scale, mean_step_variance
from skdvae.vae._spectralnet import padded_rows, rayleigh_ritz

__all__ = [
    "EncoderFit",
    "Seeds",
    "build_transition_net",
    "fit_regression_encoder",
    "fit_spectralnet_encoder",
    "estimate_n_components",
    "fit_transition",
    "training_degree",
    "transition_validation",
    "validation_split",
    "within_pieces",
]

# Fraction of max_iter over which the KL weight of the detail coordinates
# rises from 0 to 1 (their posterior first learns to describe the data).
DETAIL_WARMUP = 0.25
# Optimiser options of the decoder's scalar log noise variance: a larger step
# than the networks' so the likelihood's scale keeps up with the decoder.
_NOISE_LR = {"lr": 0.02}


class Seeds(NamedTuple):
    """The seeds of one fit, drawn in this order from ``random_state``."""

    split: int
    diffusion_map: int
    encoder: int
    validation_noise: int
    transition: int
    noise: int

    @classmethod
    def draw(cls, random_state):
        """Draw all seeds from a ``numpy.random.RandomState``."""
        values = random_state.randint(np.iinfo(np.int32).max, size=len(cls._fields))
        return cls(*(int(v) for v in values))


class EncoderFit(NamedTuple):
    """Result of stage 1."""

    net: object
    encoder: torch.nn.Module
    diffusion_map: DiffusionMap | None
    eigenvalues: np.ndarray
    degree: np.ndarray | None
    neighbors: NeighborSearch | None = None


def validation_split(X, n_validation, seed):
    """Explicit, seeded split into training and validation rows (sorted)."""
    if n_validation == 0:
        return X, None
    order = np.random.RandomState(seed).permutation(X.shape[0])
    return X[np.sort(order[n_validation:])], X[np.sort(order[:n_validation])]


def _say(settings, message):
    if settings.verbose:
        print(f"[DiffusionVAE] {message}")


def _net(settings, net_class, module_class, stage, seed, n_features, **options):
    """A private skorch net, initialised with its own seed (no global RNG).

    ``options`` may hold ``valid`` (the validation dataset), ``net_params``
    (extra :func:`skdvae.vae._nets.make_net` arguments), ``module_params``
    (extra module parameters) and ``criterion`` (the criterion's parameters).
    """
    net = _nets.make_net(
        net_class,
        module_class,
        stage=stage,
        max_iter=settings.max_iter,
        batch_size=settings.batch_size,
        learning_rate_init=settings.learning_rate_init,
        tol=settings.tol,
        n_iter_no_change=settings.n_iter_no_change,
        valid_dataset=options.get("valid"),
        shuffle_seed=seed + 1,
        verbose=settings.verbose,
        device=settings.device,
        accelerator=settings.accelerator,
        module_params={
            "n_features": n_features,
            "n_components": settings.n_components,
            "hidden_layer_sizes": settings.hidden_layer_sizes,
            **options.get("module_params", {}),
        },
        criterion_params=options.get("criterion", {}),
        **options.get("net_params", {}),
    )
    with private_torch_rng(seed):
        net.initialize()
    return net


# ------------------------------------------------------------------ stage 1
def fit_regression_encoder(X_train, X_val, settings, seeds, dm_params):
    """Stage 1, regression route: psi~ regresses on DiffusionMap coordinates.

    Parameters
    ----------
    X_train : ndarray of shape (n, m)
        Training points.
    X_val : ndarray or None
        Validation points (``early_stopping``), or None.
    settings : skdvae.vae._settings.TrainingSettings
    seeds : Seeds
        Uses ``seeds.diffusion_map`` and ``seeds.encoder``.
    dm_params : dict
        Parameters of the :class:`DiffusionMap`, its ``n_components``,
        ``n_neighbors``, ``alpha`` and ``t`` included.

    Returns
    -------
    EncoderFit
        ``degree`` is None when the diffusion map was fitted on landmarks;
        ``neighbors`` finds the data-space neighbours of training and new
        points (:func:`~skdvae.vae._neighbors.training_neighbors`), in whose
        units of one walk step of the targets the error is measured.
    """
    _say(settings, "stage 1/2: diffusion map, then regression of the encoder mean")
    dm = DiffusionMap(random_state=seeds.diffusion_map, **dm_params).fit(X_train)
    Y = dm.embedding_.astype(np.float32)
    valid = None
    if X_val is not None:
        valid = _nets.BatchDataset(
            {"x": as_tensor(X_val)}, y=as_tensor(dm.transform(X_val))
        )
    neighbors = training_neighbors(
        X_train, dm_params["n_neighbors"], dm, seeds.diffusion_map
    )
    check_same_on_every_process(settings.accelerator, Y, neighbors.indices_)
    scale = global_scale(Y)
    step = np.sqrt(mean_step_variance(Y.astype(np.float64), neighbors.indices_))
    step = step or scale
    net = _net(
        settings._replace(n_components=Y.shape[1]),
        _nets.EncoderNet,
        EncoderMean,
        "encoder regression (stage 1)",
        seeds.encoder,
        X_train.shape[1],
        valid=valid,
        criterion={"scale": step},
    )
    module = unwrapped(net.module_)
    module.set_input_scaling(X_train.mean(0), global_scale(X_train))
    module.set_output_affine(scale * np.eye(Y.shape[1]), Y.mean(0))
    net.partial_fit(_nets.BatchDataset({"x": as_tensor(X_train)}, y=as_tensor(Y)))
    landmarks = len(dm.stationary_distribution_) != len(X_train)
    degree = None if landmarks else dm.stationary_distribution_
    return EncoderFit(net, module, dm, dm.eigenvalues_, degree, neighbors)


def fit_spectralnet_encoder(X_train, settings, seed, n_neighbors, alpha, t):
    """Stage 1, SpectralNet route: minibatch spectral loss, then Rayleigh-Ritz.

    The graph is the alpha-normalised kernel of :func:`training_kernel` with a
    fixed median bandwidth. ``seed`` initialises the net and its batch order.

    Returns
    -------
    EncoderFit
        ``diffusion_map`` is None; ``degree`` holds the graph degrees.
    """
    _say(settings, "stage 1/2: SpectralNet encoder mean")
    K_alpha, degree = training_kernel(X_train, n_neighbors, alpha)
    neighbor_index, weight = padded_rows(K_alpha)
    net = _net(
        settings,
        _nets.SpectralNet,
        SpectralNetModule,
        "SpectralNet encoder (stage 1)",
        seed,
        X_train.shape[1],
        net_params={"relative_tol": True},
    )
    encoder = unwrapped(net.module_).encoder
    encoder.set_input_scaling(X_train.mean(0), global_scale(X_train))
    X32 = as_tensor(X_train)
    data = {"x": X32, "weights": as_tensor(weight), "degree": as_tensor(degree)}
    neighbors = ("x_neighbors", X32, torch.as_tensor(neighbor_index))
    net.partial_fit(_nets.BatchDataset(data, neighbors=neighbors))
    H = predict(encoder, X_train, "features")
    matrix, shift, eigenvalues = rayleigh_ritz(H, K_alpha, degree, t)
    encoder.set_output_affine(matrix, shift)
    return EncoderFit(net, encoder, None, eigenvalues, degree)


def estimate_n_components(X, n_neighbors, alpha, seed):
    """``n_components="auto"`` without a regression encoder (SpectralNet).

    The estimate of :class:`skdvae.DiffusionMap` with ``n_components="auto"``
    on the same data and neighbours (its ``n_components_``).
    """
    dm = DiffusionMap("auto", n_neighbors=n_neighbors, alpha=alpha, random_state=seed)
    return dm.fit(X).n_components_


def training_kernel(X, n_neighbors, alpha, diffusion_map=None):
    """Alpha-normalised kernel of ``X`` and its row sums.

    With a fitted ``diffusion_map`` the kernel is built with its settings
    (bandwidth ``epsilon_``, adaptive or fixed); without one (SpectralNet)
    with a fixed median bandwidth. Both go through the package's one
    kernel-graph builder, :func:`skdvae.diffusion_map._graph.build_kernel_graph`.

    Returns
    -------
    K_alpha : scipy.sparse.csr_matrix of shape (n, n)
    degree : ndarray of shape (n,)
        Row sums of ``K_alpha``; normalised, the walk's stationary
        distribution.
    """
    dist, idx = NearestNeighbors(n_neighbors=n_neighbors).fit(X).kneighbors(X)
    if diffusion_map is None:
        epsilon, neighbor = "median", None
    else:
        epsilon = diffusion_map.epsilon_
        neighbor = adaptive_neighbor(n_neighbors, diffusion_map.adaptive_bandwidth)
    kernel = build_kernel_graph(idx, dist, epsilon, neighbor)
    K_alpha, _ = alpha_normalize(kernel.K, alpha)
    return K_alpha, np.asarray(K_alpha.sum(axis=1)).ravel()


def within_pieces(index, diffusion_map, X_train):
    """Training neighbours restricted to their piece of the diffusion map.

    When the diffusion map cut a nearly disconnected graph into pieces
    (``split_gap``), neighbours across a cut are replaced by the point itself
    (:func:`~skdvae.diffusion_map._pieces.same_piece_neighbors`), so the prior
    covariance never spans a cut. Unchanged without a diffusion map, or when
    it was fitted on other points (landmarks, a warm start on new data).
    """
    if diffusion_map is None or not np.array_equal(diffusion_map.X_fit_, X_train):
        return index
    return same_piece_neighbors(index, diffusion_map.component_labels_)


def training_degree(X, n_neighbors, alpha, diffusion_map=None):
    """Kernel degrees of the training points (see :func:`training_kernel`)."""
    return training_kernel(X, n_neighbors, alpha, diffusion_map)[1]


# ------------------------------------------------------------------ stage 2
def build_transition_net(
    X_train, E, step_variance, floor, settings, seed, kl_weight, bounds=None
):
    """A new stage-2 net (covariance head, decoder, detail coordinates).

    Parameters
    ----------
    X_train : ndarray of shape (n, m)
        Training points.
    E : ndarray of shape (n, D)
        Their (frozen) encoder means.
    step_variance : float
        Mean per-coordinate variance of one walk step in ``E``.
    floor : float
        Absolute floor of the prior covariance.
    settings : skdvae.vae._settings.TrainingSettings
    seed : int
        Initialises the net and its batch order.
    kl_weight : float
        Weight of the walk-step KL term.
    bounds : tuple of two ndarrays of shape (m,) or None, default=None
        ``(low, high)``: bounds of the decoder's outputs, in the units of
        ``X_train``; None for an unbounded decoder.

    Returns
    -------
    net : skdvae.vae._nets.TransitionNet
        Scaled to the data. With detail coordinates, their KL weight is
        ramped up over the first ``DETAIL_WARMUP`` of ``max_iter`` epochs.
    """
    data_scale = global_scale(X_train)
    n_warmup = (
        int(np.ceil(DETAIL_WARMUP * settings.max_iter)) if settings.n_detail else 0
    )
    net = _net(
        settings,
        _nets.TransitionNet,
        TransitionModule,
        "covariance/decoder training (stage 2)",
        seed,
        X_train.shape[1],
        net_params={
            "param_groups": [("decoder.log_noise_var", _NOISE_LR)],
            "extra_callbacks": [
                ("detail_warmup", _nets.WeightWarmup("detail_weight", 1.0, n_warmup))
            ],
        },
        module_params={
            "decoder_hidden_layer_sizes": settings.decoder_hidden_layer_sizes,
            "n_detail": settings.n_detail,
            "bounded_output": bounds is not None,
        },
        criterion={"data_scale": data_scale, "kl_weight": kl_weight},
    )
    module = unwrapped(net.module_)
    x_shift, z_shift, z_scale = X_train.mean(0), E.mean(0), global_scale(E)
    module.covariance.set_input_scaling(x_shift, data_scale)
    module.covariance.set_output_scale(np.sqrt(step_variance + floor))
    module.decoder.set_input_scaling(z_shift, z_scale)
    module.decoder.set_output_scaling(x_shift, data_scale, *(bounds or ()))
    if module.detail is not None:
        module.detail.set_scaling(x_shift, data_scale, z_shift, z_scale)
    return net


def transition_record(net, decoder, data_scale, early_stopping):
    """The estimator's attributes describing a stage-2 fit, by name.

    ``n_iter_``, ``loss_curve_``, ``noise_variance_`` (the decoder's learned
    variance per feature in the data's units), and ``validation_scores_``,
    ``best_validation_score_`` and ``best_loss_`` as in scikit-learn's
    ``MLPRegressor`` (validation scores with ``early_stopping``, the best
    training loss without).
    """
    history = net.history
    record = {"n_iter_": len(history), "loss_curve_": list(history[:, "train_loss"])}
    record["noise_variance_"] = float(
        torch.exp(decoder.log_noise_var.detach()).cpu()
        * (decoder.out_scale.cpu() * data_scale) ** 2
    )
    scores = [-v for v in history[:, "valid_loss"]] if early_stopping else None
    record["validation_scores_"] = scores
    record["best_validation_score_"] = max(scores) if early_stopping else None
    record["best_loss_"] = None if early_stopping else min(record["loss_curve_"])
    return record


def transition_validation(X_val, E_val, prior_val, seed, n_detail=0):
    """The fixed stage-2 validation set: data, means, priors and one noise draw.

    The noise has ``D + n_detail`` columns (walk step, then detail
    coordinates). Returns None when ``X_val`` is None.
    """
    n_noise = E_val.shape[1] + n_detail
    if X_val is None:
        return None
    eps = np.random.RandomState(seed).standard_normal((len(E_val), n_noise))
    data = {
        "x": as_tensor(X_val),
        "mu": as_tensor(E_val),
        "prior_chol": as_tensor(prior_val),
        "eps": as_tensor(eps),
    }
    return _nets.BatchDataset(data)


def fit_transition(net, X_train, E, prior_chol, valid, noise_seed):
    """Stage 2: train ``net`` on the minibatch one-step ELBO (in place).

    The realised step of each sampled latent point is the training point
    whose embedding is nearest; the search index and the reference set are
    dropped afterwards (also when training fails), so a fitted net holds no
    training data. With a validation set the stopping rule monitors it and
    the best weights are restored (:func:`skdvae.vae._nets.set_validation`).

    Parameters
    ----------
    net : skdvae.vae._nets.TransitionNet
        A net from :func:`build_transition_net` (possibly already trained:
        warm start).
    X_train : ndarray of shape (n, m)
    E : ndarray of shape (n, D)
        Frozen encoder means of ``X_train``.
    prior_chol : ndarray of shape (n, D, D)
        Cholesky factors of the prior covariances.
    valid : BatchDataset or None
        From :func:`transition_validation`.
    noise_seed : int
        Seed of the reparameterisation noise (offset by the epochs already
        run, so a warm start draws new noise, and by the process index of a
        data-parallel fit).

    Returns
    -------
    net : skdvae.vae._nets.TransitionNet
    """
    reference = as_tensor(E)
    search = None
    if use_latent_search(net.device, *E.shape):
        # Built from the float32 reference the brute force would rank.
        search = LatentSearch(reference.double().numpy(), 1)
    n_noise = E.shape[1] + unwrapped(net.module_).decoder.n_detail
    # Processes of a data-parallel fit draw different noise.
    process = getattr(getattr(net, "accelerator", None), "process_index", 0)
    noise = ("eps", n_noise, noise_seed + len(net.history) + process)
    data = {
        "x": as_tensor(X_train),
        "mu": reference,
        "prior_chol": as_tensor(prior_chol),
    }
    try:
        _nets.set_validation(net, valid)
        net.criterion_.set_reference(reference, as_tensor(X_train), search)
        net.partial_fit(_nets.BatchDataset(data, noise=noise))
    finally:  # a fitted (or failed) model keeps no training data or index
        _nets.set_validation(net, None)
        net.criterion_.set_reference(None, None)
    return net
