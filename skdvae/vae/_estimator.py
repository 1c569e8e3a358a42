"""The DiffusionVAE estimator: the variational diffusion autoencoder (VDAE)."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
)
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array, check_is_fitted

from skdvae.diffusion_map._checks import resolve_n_neighbors
from skdvae.utils._sklearn_compat import (
    Interval,
    StrOptions,
    _fit_context,
    validate_data,
    validate_params,
)
from skdvae.utils._state import unfitted_on_interrupt
from skdvae.utils._torch import predict, torch_threads
from skdvae.vae import _settings, _stages
from skdvae.vae._accelerate import detach_accelerator
from skdvae.vae._bounds import clip_to_bounds, in_model_units, resolve_output_bounds
from skdvae.vae._neighbors import training_neighbors
from skdvae.vae._nets import TrainingInterrupted
from skdvae.vae._prior import global_scale, mean_step_variance, prior_cholesky
from skdvae.vae._scaling import fit_data_scale, from_model_units, to_model_units
from skdvae.vae._score import one_step_elbo
from skdvae.vae._walk import walk_model

__all__ = ["DiffusionVAE"]


class DiffusionVAE(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Variational diffusion autoencoder (VDAE) with random-walk sampling.

    A generative model whose latent "prior" is the data's own diffusion
    geometry (Li, Lindenbaum, Cheng and Cloninger, 2020). The encoder mean
    psi~(x) is a network approximating the diffusion map; the encoder
    covariance C_phi(x) (full, positive definite) models one step of the
    diffusion random walk seen in latent space; the decoder psi~^-1(z) maps
    latent points back to data space. New data come from running the random
    walk: encode, take a Gaussian step ``z ~ N(psi~(x), C_phi(x))``, decode,
    repeat. Loops, tori and disconnected pieces therefore keep their
    topology, which a fixed Gaussian prior cannot.

    Training has two stages, each a private skorch net.

    1. The encoder mean: regression onto exact :class:`DiffusionMap`
       coordinates (``encoder="diffusion_map"``, with ``alpha``, ``t`` and
       landmarks through ``diffusion_map_params``), or the paper's SpectralNet
       (``encoder="spectralnet"``: an MLP with an orthonormalisation layer
       trained by minibatch SGD on the spectral loss of the alpha-normalised
       kNN kernel, followed by a Rayleigh-Ritz step that turns its output into
       diffusion coordinates ``lambda^t psi``).
    2. With the mean frozen, the covariance network and the decoder maximise
       the minibatch ELBO of one walk step,
       ``E_q[log p(x' | z')] - kl_weight * KL(q(z'|x) || p(z'|x))``, where the
       prior ``p(z'|x) = N(psi~(x), Sigma(x))`` has the covariance of the
       embedded data-space neighbours of ``x`` around ``psi~(x)`` plus a
       floor, the KL is the exact Gaussian one, and ``x'`` is the training
       point whose embedding is nearest the sampled ``z'``. The decoder
       likelihood is an isotropic Gaussian whose variance is learned, so
       ``kl_weight=1`` is the true ELBO.

    Read more in the design note "The variational diffusion autoencoder in
    skdvae" of the documentation (``docs/method.md`` in the source
    repository; the site's Background section), which also lists where this
    implementation departs from the paper and the authors' code, and why.

    Parameters
    ----------
    n_components : int or "auto", default=2
        Dimension D of the diffusion coordinates. A circle needs 2, a sphere
        3; on images, about the intrinsic dimension (Frey faces 3 to 5).
        ``"auto"`` takes the estimate of :class:`DiffusionMap` with
        ``n_components="auto"`` (see there); the value used is
        ``n_components_``.
    encoder : {"diffusion_map", "spectralnet"}, default="diffusion_map"
        How the encoder mean is obtained (see above). The regression route is
        the default because it measured better and faster (the VDAE design note,
        "Choice of the encoder route"): on 2,000 loop and 5,000 torus points
        its reconstructions and samples are closer to the manifold and it fits
        faster; on the torus SpectralNet learns the leading eigenvectors,
        which describe only the large circle.
    hidden_layer_sizes : int or array-like of int, default=(64, 64)
        Hidden widths of each of the three networks (encoder mean, covariance
        head, decoder); an int is one hidden layer, as in
        :class:`sklearn.neural_network.MLPRegressor`.
    n_detail_components : int >= 0, default=8
        Dimension of the detail coordinates ``u`` (the VDAE design note,
        "Detail coordinates"): latent coordinates trained for reconstruction
        besides the diffusion coordinates, with a prior ``p(u | z)``
        conditioned on them. The walk decides where on the manifold a sample
        lies, ``u ~ p(u | z)`` what it looks like there. Without them a
        decoder of a few diffusion coordinates returns blurred averages of
        the images near ``z`` (Frey faces at ``n_components=3``, measured by
        ``python -m benchmarks.bench_generation --part detail``: sample recall
        0.15 with 0, 0.81 with 8, at detail temperature 1). 0 is the paper's
        model.
    decoder_hidden_layer_sizes : "auto", int or array-like of int, default="auto"
        Hidden widths of the decoder. "auto" gives it as many layers as
        ``hidden_layer_sizes``, each as wide as the data (``n_features``
        rounded up to a power of two) but no narrower than the widest hidden
        layer and no wider than 512: a decoder of images needs the width to
        produce their detail (the VDAE design note), one of 3-D points does
        not.
    output_bounds : "data", None or (low, high), default="data"
        Bounds of the decoder's outputs: each feature is squashed into
        ``[low, high]`` by a sigmoid, so :meth:`inverse_transform`,
        :meth:`sample` and every state of :meth:`walk` stay within them by
        construction. ``"data"``: each feature's minimum and maximum over the
        training data; a pair of numbers or of arrays of shape
        ``(n_features,)`` gives them (``(0, 255)`` for 8-bit images), and must
        contain the training data; None leaves the outputs unbounded (a
        linear last layer, the paper's decoder). The bounds raised sample
        recall on images; on smooth curves the samples lay farther from the
        curve (the loop: about half as far again), which bounds widened by 5 %
        of the range avoided (the VDAE design note, "Bounded decoder").
        ``warm_start`` keeps the bounds of the first fit.
    n_neighbors : int, default=30
        Neighbours of each point (itself included) in data space: for the
        kernel graph of the diffusion map or SpectralNet, and for the local
        covariance ``Sigma(x)`` of the prior. On data with fewer training
        points, all of them are used (``n_neighbors_``) and a
        :class:`skdvae.exceptions.SmallDataWarning` says so.
    alpha : float in [0, 1], default=1.0
        Density normalisation of the diffusion kernel (1: geometry only).
    t : float >= 0, default=1.0
        Diffusion time: the latent coordinates are ``lambda^t psi``.
    diffusion_map_params : dict or None, default=None
        Further parameters of the :class:`DiffusionMap` of the regression
        route (for example ``epsilon``, ``n_landmarks``,
        ``component_selection``); those that DiffusionVAE sets itself are not
        allowed. Ignored by ``encoder="spectralnet"``.
    kl_weight : float >= 0, default=1.0
        Weight of the KL term against the reconstruction term. With the
        learned decoder variance, 1 is the ELBO; larger values pull the step
        covariance towards the prior, smaller values towards shorter steps.
    covariance_floor : float > 0, default=0.01
        Floor ``lambda`` added to the prior covariance, relative to the mean
        per-coordinate variance of one walk step; the absolute value is
        ``covariance_floor_``. It keeps the prior invertible in latent
        directions that leave the embedded manifold.
    walk_bandwidth : float > 0, default=0.5
        Radius of the latent walk's support around each training embedding,
        as a multiple of the median learned step length; the absolute value
        is ``walk_bandwidth_`` (:meth:`walk`).
    n_walk_steps : int >= 0, default=1
        Steps of the walk in :meth:`sample` (and the default of :meth:`walk`).
        Walkers start from the walk's target density and the walk keeps it
        invariant, so even 0 steps give a sample of it; more steps move
        samples farther from their start points.
    batch_size : int or "auto", default="auto"
        Minibatch size of both stages. "auto" is ``n_samples // 16`` clipped
        to [32, 128] (and at most ``n_samples``): at least 16 optimiser steps
        per epoch on small data, batches of 128 on large data.
    learning_rate_init : float, default=2e-3
        Adam step size of both stages.
    max_iter : int, default=200
        Maximum number of epochs of each stage.
    tol : float, default=1e-4
        Each stage stops when its monitored loss has not improved by ``tol``
        for ``n_iter_no_change`` consecutive epochs. The regression loss is
        the squared error in units of one walk step, the stage-2 loss the
        negative ELBO in nats per sample; for the SpectralNet loss (a small
        Rayleigh quotient) ``tol`` is relative.
    n_iter_no_change : int, default=10
        Patience of the stopping rule.
    early_stopping : bool, default=False
        If True, hold out ``validation_fraction`` of the data (a seeded random
        split), monitor the validation loss instead of the training loss, and
        restore the best weights of each stage. The SpectralNet stage always
        monitors its training loss (its loss needs the graph neighbours).
    validation_fraction : float in (0, 1), default=0.1
        Held-out fraction when ``early_stopping`` is True.
    random_state : int, RandomState instance or None, default=None
        Seeds the split, the diffusion map, the network initialisations, the
        batch order and the reparameterisation noise, all through explicit
        generators (global torch and numpy states are left alone). An int
        gives identical models on the CPU. Also the default seed of
        :meth:`sample` and :meth:`walk`.
    verbose : int, default=0
        1 prints the stages, the diffusion map's slow steps and every tenth
        row of skorch's per-epoch table; 2 and above every row. Plain text
        (colour codes only when writing to a terminal).
    warm_start : bool, default=False
        If True and the model is fitted, ``fit`` keeps the encoder mean (the
        latent coordinate system) and continues training the covariance
        network and decoder on the new data for up to ``max_iter`` epochs.
    device : str, default="cpu"
        Torch device, e.g. ``"cpu"`` or ``"cuda"``. Fitted models pickle and
        load on the CPU whatever device trained them.
    accelerate : bool, default=False
        Train the networks data-parallel with Hugging Face Accelerate
        (skorch's ``AccelerateMixin``), in a script started by
        ``accelerate launch`` or ``torchrun``: every process fits the same
        diffusion map, then trains on its own minibatches of ``batch_size``
        on its own device of the kind ``device`` names (``"cuda"``: one GPU
        each), the gradients averaged, the stopping rule reading losses
        averaged over the processes. accelerate's settings in the process
        (mixed precision, for one) apply; with its defaults, in one process
        the fitted model is the same as without it. Needs
        ``pip install 'skdvae[scale]'``; not available with ``warm_start``.
        See the scaling page of the documentation.

    Attributes
    ----------
    n_components_ : int
        Dimension of the diffusion coordinates (resolves ``"auto"``).
    n_neighbors_ : int
        Neighbours used: ``n_neighbors``, or the number of training points
        (validation split excluded) when the data hold fewer, with a
        :class:`skdvae.exceptions.SmallDataWarning`.
    encoder_route_ : str
        The route that produced the encoder mean.
    data_mean_ : ndarray of shape (n_features_in_,)
        Feature means of the training data.
    data_scale_ : float
        Root-mean-square deviation of the training data from
        ``data_mean_``. The networks, ``diffusion_map_`` and the kernel graph
        work on ``(X - data_mean_) / data_scale_``, so the model does not
        depend on the data's units (one scale for all features keeps the
        geometry); every public method takes and returns data in the units of
        ``X``.
    diffusion_map_ : DiffusionMap or None
        The fitted diffusion map of the regression route (None for
        SpectralNet), fitted on the standardised training data (see
        ``data_scale_``).
    eigenvalues_ : ndarray of shape (n_components,)
        Eigenvalues of the latent coordinates: those of ``diffusion_map_``
        on the regression route, those found by the Rayleigh-Ritz step on
        the SpectralNet route.
    embedding_ : ndarray of shape (n_samples_fit, n_components)
        ``transform`` of the training data, in the dtype of ``X`` (float32
        data gives a float32 embedding, as in :class:`DiffusionMap`).
    stationary_distribution_ : ndarray of shape (n_samples_fit,)
        Stationary distribution of the diffusion random walk over the
        training points; :meth:`sample` draws its start points from it.
    covariance_floor_ : float
        Absolute floor added to the prior covariance.
    walk_bandwidth_ : float
        Radius of the latent walk's support around each training embedding:
        ``walk_bandwidth`` times the median learned step length.
    noise_variance_ : float
        Learned variance per feature of the decoder likelihood.
    output_bounds_ : tuple of two ndarrays of shape (n_features_in_,) or None
        ``(low, high)``: the bounds of the decoder's outputs in the units of
        ``X`` (float64); None with ``output_bounds=None``.
    X_fit_ : ndarray of shape (n_samples_fit, n_features)
        Training points (without the validation split): walk start points
        and the reference set of the prior.
    encoder_net_, net_ : skorch.NeuralNet
        The private nets of stage 1 and stage 2 (their ``history`` holds the
        per-epoch losses and durations).
    n_iter_ : int
        Epochs run by stage 2 (accumulated over warm starts).
    loss_curve_ : list of float
        Stage-2 training loss (negative ELBO, nats per sample) per epoch.
    encoder_n_iter_ : int
        Epochs run by stage 1.
    encoder_loss_curve_ : list of float
        Stage-1 training loss per epoch.
    best_loss_ : float or None
        Minimum of ``loss_curve_``; None with ``early_stopping``.
    validation_scores_ : list of float or None
        Negative stage-2 validation loss per epoch with ``early_stopping``.
    best_validation_score_ : float or None
        Maximum of ``validation_scores_``.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, if they are all strings.

    See Also
    --------
    DiffusionMap : The diffusion coordinates, their Nystrom extension and a
        non-neural pre-image and one-step sampler.
    skdvae.metrics.local_bilipschitz : The paper's smoothness diagnostic
        (:meth:`local_bilipschitz` applies it to the decoder).
    sklearn.neural_network.MLPRegressor : Source of the training
        hyperparameter names.

    Notes
    -----
    Training and inference on the CPU run with one torch thread (restored
    afterwards): the networks are small and intra-op threading slowed them
    down several-fold on two cores.

    References
    ----------
    H. Li, O. Lindenbaum, X. Cheng and A. Cloninger, "Variational Diffusion
    Autoencoders with Random Walk Sampling", ECCV 2020, arXiv:1905.12724.

    R. R. Coifman and S. Lafon, "Diffusion maps", Appl. Comput. Harmon.
    Anal. 21 (2006) 5-30.

    U. Shaham, K. Stanton, H. Li, B. Nadler, R. Basri and Y. Kluger,
    "SpectralNet: Spectral Clustering using Deep Neural Networks", ICLR 2018.

    Examples
    --------
    >>> import numpy as np
    >>> from skdvae import DiffusionVAE
    >>> s = np.linspace(0, 2 * np.pi, 200, endpoint=False)
    >>> X = np.column_stack([np.cos(s), np.sin(2 * s), np.sin(3 * s)])
    >>> vae = DiffusionVAE(hidden_layer_sizes=(16,), max_iter=5, random_state=0)
    >>> vae.fit_transform(X).shape
    (200, 2)
    >>> vae.transform_covariance(X[:3]).shape
    (3, 2, 2)
    >>> vae.sample(5).shape
    (5, 3)
    >>> vae.walk(X[:2], n_steps=4).shape
    (2, 5, 3)
    """

    _parameter_constraints: dict = {
        "n_components": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "encoder": [StrOptions({"diffusion_map", "spectralnet"})],
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "n_detail_components": [Interval(Integral, 0, None, closed="left")],
        "decoder_hidden_layer_sizes": [
            StrOptions({"auto"}),
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "output_bounds": [StrOptions({"data"}), None, "array-like"],
        "n_neighbors": [Interval(Integral, 2, None, closed="left")],
        "alpha": [Interval(Real, 0, 1, closed="both")],
        "t": [Interval(Real, 0, None, closed="left")],
        "diffusion_map_params": [dict, None],
        "kl_weight": [Interval(Real, 0, None, closed="left")],
        "covariance_floor": [Interval(Real, 0, None, closed="neither")],
        "walk_bandwidth": [Interval(Real, 0, None, closed="neither")],
        "n_walk_steps": [Interval(Integral, 0, None, closed="left")],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "device": [str],
        "accelerate": ["boolean"],
    }

    def __init__(
        self,
        n_components=2,
        *,
        encoder="diffusion_map",
        hidden_layer_sizes=(64, 64),
        n_detail_components=8,
        decoder_hidden_layer_sizes="auto",
        output_bounds="data",
        n_neighbors=30,
        alpha=1.0,
        t=1.0,
        diffusion_map_params=None,
        kl_weight=1.0,
        covariance_floor=0.01,
        walk_bandwidth=0.5,
        n_walk_steps=1,
        batch_size="auto",
        learning_rate_init=2e-3,
        max_iter=200,
        tol=1e-4,
        n_iter_no_change=10,
        early_stopping=False,
        validation_fraction=0.1,
        random_state=None,
        verbose=0,
        warm_start=False,
        device="cpu",
        accelerate=False,
    ):
        self.n_components = n_components
        self.encoder = encoder
        self.hidden_layer_sizes = hidden_layer_sizes
        self.n_detail_components = n_detail_components
        self.decoder_hidden_layer_sizes = decoder_hidden_layer_sizes
        self.output_bounds = output_bounds
        self.n_neighbors = n_neighbors
        self.alpha = alpha
        self.t = t
        self.diffusion_map_params = diffusion_map_params
        self.kl_weight = kl_weight
        self.covariance_floor = covariance_floor
        self.walk_bandwidth = walk_bandwidth
        self.n_walk_steps = n_walk_steps
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start
        self.device = device
        self.accelerate = accelerate

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the encoder mean (stage 1), then covariance and decoder (stage 2).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        self : DiffusionVAE
            The fitted estimator.

        Notes
        -----
        Interrupting the fit (Ctrl-C) stops it at once and raises
        KeyboardInterrupt; the estimator is then not fitted, also after a
        warm start (a half-trained model would give poor results without
        saying so). Early stopping, in contrast, keeps the weights of the
        best validation epoch of each stage.
        """
        with unfitted_on_interrupt(self, (KeyboardInterrupt, TrainingInterrupted)):
            return self._fit(X)

    def _fit(self, X):
        warm = self.warm_start and hasattr(self, "net_")
        devices = _settings.device_settings(self.get_params())
        X = validate_data(
            self,
            X,
            dtype=[np.float64, np.float32],
            ensure_min_samples=2,
            reset=not warm,
        )
        if not warm:  # checked before the fit changes anything
            bounds = resolve_output_bounds(self.output_bounds, X)
        n_validation = _settings.check_sizes(self.get_params(), X.shape[0])
        self.n_neighbors_ = resolve_n_neighbors(
            self.n_neighbors, X.shape[0] - n_validation
        )
        params = self.get_params()
        seeds = _stages.Seeds.draw(check_random_state(self.random_state))
        X_train, X_val = _stages.validation_split(X, n_validation, seeds.split)
        if not warm:
            self.data_mean_, self.data_scale_ = fit_data_scale(X_train)
            self.output_bounds_ = bounds
        self.X_fit_ = X_train
        X_train, X_val = self._to_model(X_train), self._to_model(X_val)
        settings = _settings.training_settings(
            params, X.shape[1], len(X_train), self.n_components, devices
        )
        with torch_threads():
            degree, neighbors = None, None
            if not warm:
                degree, neighbors = self._fit_encoder(X_train, X_val, settings, seeds)
            if neighbors is None:  # SpectralNet, landmarks, or a warm start
                neighbors = training_neighbors(
                    X_train, self.n_neighbors_, random_state=seeds.diffusion_map
                )
            self._neighbors = neighbors
            index = neighbors.indices_
            if degree is None:  # landmarks, or new data in a warm start
                degree = _stages.training_degree(
                    X_train, self.n_neighbors_, self.alpha, self.diffusion_map_
                )
            self.stationary_distribution_ = degree / degree.sum()
            index = _stages.within_pieces(index, self.diffusion_map_, X_train)
            settings = settings._replace(n_components=self.n_components_)
            self._fit_transition(X_train, X_val, index, settings, seeds, warm)
        for net in (self.encoder_net_, self.net_):
            detach_accelerator(net)
        self._dtype = X.dtype
        return self

    def _fit_encoder(self, X_train, X_val, settings, seeds):
        """Stage 1: the encoder mean; the training degrees and neighbour search.

        Either is None where stage 1 does not provide it (landmarks; the
        SpectralNet route has no neighbour search of its own).
        """
        self.encoder_route_ = self.encoder
        if self.encoder == "diffusion_map":
            dm_params = _settings.diffusion_map_params(
                {**self.get_params(), "n_neighbors": self.n_neighbors_}
            )
            fitted = _stages.fit_regression_encoder(
                X_train, X_val, settings, seeds, dm_params
            )
        else:
            if self.n_components == "auto":
                settings = settings._replace(
                    n_components=_stages.estimate_n_components(
                        X_train, self.n_neighbors_, self.alpha, seeds.diffusion_map
                    )
                )
            fitted = _stages.fit_spectralnet_encoder(
                X_train, settings, seeds.encoder, self.n_neighbors_, self.alpha, self.t
            )
        self.encoder_net_ = fitted.net
        self.diffusion_map_ = fitted.diffusion_map
        self.eigenvalues_ = fitted.eigenvalues
        self.n_components_ = len(fitted.eigenvalues)
        self.encoder_n_iter_ = len(fitted.net.history)
        self.encoder_loss_curve_ = list(fitted.net.history[:, "train_loss"])
        return fitted.degree, fitted.neighbors

    def _fit_transition(self, X_train, X_val, index, settings, seeds, warm):
        """Stage 2: covariance head and decoder, the encoder mean frozen."""
        if self.verbose:
            print("[DiffusionVAE] stage 2/2: covariance network and decoder")
        E = predict(self._encoder, X_train)
        self.embedding_ = E.astype(X_train.dtype)
        step_variance = mean_step_variance(E, index)
        self.covariance_floor_ = self.covariance_floor * (
            step_variance or global_scale(E) ** 2
        )
        prior = prior_cholesky(E, index, E, self.covariance_floor_)
        if not warm:
            self.net_ = _stages.build_transition_net(
                X_train,
                E,
                step_variance,
                self.covariance_floor_,
                settings,
                seeds.transition,
                self.kl_weight,
                in_model_units(self.output_bounds_, self.data_mean_, self.data_scale_),
            )
        valid = None
        if X_val is not None:
            E_val = predict(self._encoder, X_val)
            index_val = self._neighbors.nearest(X_val)
            prior_val = prior_cholesky(E_val, index_val, E, self.covariance_floor_)
            valid = _stages.transition_validation(
                X_val, E_val, prior_val, seeds.validation_noise, settings.n_detail
            )
        _stages.fit_transition(self.net_, X_train, E, prior, valid, seeds.noise)
        record = _stages.transition_record(
            self.net_, self._decoder, self.data_scale_, self.early_stopping
        )
        for name, value in record.items():
            setattr(self, name, value)
        chol = predict(self._covariance, X_train)
        step = np.sqrt(np.square(chol).sum(axis=(1, 2)))
        self.walk_bandwidth_ = self.walk_bandwidth * float(np.median(step))

    # ------------------------------------------------------------ inference
    @property
    def _encoder(self):
        module = self.encoder_net_.module_
        return module if self.encoder_route_ == "diffusion_map" else module.encoder

    @property
    def _covariance(self):
        return self.net_.module_.covariance

    @property
    def _decoder(self):
        return self.net_.module_.decoder

    @property
    def _n_features_out(self):
        return self.n_components_

    def transform(self, X):
        """Posterior mean psi~(x): the learned diffusion coordinates of ``X``.

        Deterministic and row-wise (a row's output does not depend on the
        other rows).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data.

        Returns
        -------
        Z : ndarray of shape (n_samples, n_components)
            Same floating dtype as ``X`` (float32 stays float32).
        """
        X = self._validate_X(X)
        return predict(self._encoder, X, dtype=X.dtype)

    def transform_covariance(self, X):
        """Posterior covariance C_phi(x) of one random-walk step from ``X``.

        The uncertainty of the embedding: the covariance of ``q(z' | x)``,
        trained to match the spread of one diffusion step in latent space.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data.

        Returns
        -------
        C : ndarray of shape (n_samples, n_components, n_components)
            Symmetric positive definite matrices.
        """
        X = self._validate_X(X)
        L = predict(self._covariance, X).astype(np.float64)
        return (L @ np.swapaxes(L, 1, 2)).astype(X.dtype)

    def inverse_transform(self, X):
        """Decoder mean psi~^-1(z): map latent points back to data space.

        With detail coordinates (``n_detail_components > 0``) they are set to
        the mean of their prior ``p(u | z)``, so the map is deterministic;
        :meth:`sample` and :meth:`walk` draw them instead.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components)
            Latent points.

        Returns
        -------
        X_original : ndarray of shape (n_samples, n_features_in_)
        """
        check_is_fitted(self)
        Z = check_array(X, dtype=[np.float64, np.float32])
        if Z.shape[1] != self.n_components_:
            raise ValueError(
                f"X has {Z.shape[1]} features, but {type(self).__name__} "
                f"expects {self.n_components_} latent coordinates as input."
            )
        return self._to_data(predict(self.net_.module_, Z, "generate", Z.dtype))

    def score_samples(self, X):
        """One-step ELBO of each sample, evaluated at the posterior mean.

        ``log p(x | z = psi~(x), u = m_q) - kl_weight * KL(q(z'|x) || p(z'|x))
        - KL(q(u|x, z) || p(u|z))``: the Gaussian log-likelihood of the round
        trip ``x -> psi~(x) -> decoder`` with the detail coordinates at their
        posterior mean ``m_q`` (in nats, in the units of ``X``), minus the
        weighted divergence of the learned step covariance from the local
        spread of the embedded training neighbours of ``x``, minus the
        divergence of the detail posterior from its prior (0 without detail
        coordinates). Deterministic (no Monte Carlo draw).
        Points off the learned manifold score low: their round trip moves them
        far compared to the learned noise level ``noise_variance_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Higher is more likely.
        """
        X = self._validate_X(X)
        mu = predict(self._encoder, X)
        chol = predict(self._covariance, X)
        index = self._neighbors.nearest(X)
        prior = prior_cholesky(mu, index, self.embedding_, self.covariance_floor_)
        elbo = one_step_elbo(self.net_.module_, X, mu, chol, prior, self.kl_weight)
        # The density of X in its own units: the Jacobian of the standardisation.
        return elbo - X.shape[1] * np.log(self.data_scale_)

    def score(self, X, y=None):
        """Mean one-step ELBO of ``X`` (see :meth:`score_samples`).

        Higher is better, so ``GridSearchCV`` can select hyperparameters of
        the model without a scorer.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data.
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        score : float
        """
        return float(np.mean(self.score_samples(X)))

    @validate_params(
        {
            "n_samples": [Interval(Integral, 1, None, closed="left")],
            "random_state": ["random_state"],
            "detail_temperature": [Interval(Real, 0, None, closed="left"), None],
        },
        prefer_skip_nested_validation=True,
    )
    def sample(self, n_samples=1, random_state=None, detail_temperature=None):
        """Generate data by running the learned diffusion random walk.

        ``n_samples`` walkers start in latent space from the walk's target
        density: the stationary distribution of the diffusion random walk
        (``stationary_distribution_``) on the training embeddings, smoothed
        within ``walk_bandwidth_`` (:meth:`walk`). They take ``n_walk_steps``
        steps of the latent walk, which keeps that density invariant, and
        their end points are decoded with fresh detail coordinates.

        Parameters
        ----------
        n_samples : int, default=1
            Number of points.
        random_state : int, RandomState instance or None, default=None
            Seed of the start points and the steps; None uses the estimator's
            ``random_state`` (as :meth:`DiffusionMap.sample` does).
        detail_temperature : float >= 0 or None, default=None
            Multiplies the noise of the detail coordinates ``u ~ p(u | z)``:
            1 draws them from their learned prior, 0 decodes every point at
            the prior mean (the detail of :meth:`inverse_transform`), and
            values above 1 spread the samples beyond the training data's
            detail: more diverse, less faithful. None means 1.25 for a model
            with detail coordinates (Fashion-MNIST, 20,000 images, means of
            two seeds: precision 0.96 and recall 0.47 at 1, 0.89 and 0.61 at
            1.25, 0.78 and 0.72 at 1.5; the VDAE design note, "Detail
            temperature"). A value other than 1 needs detail coordinates
            (``n_detail_components > 0``).

        Returns
        -------
        X : ndarray of shape (n_samples, n_features_in_)
        """
        check_is_fitted(self)
        rng = check_random_state(
            self.random_state if random_state is None else random_state
        )
        pi = self.stationary_distribution_
        start = rng.choice(len(pi), size=int(n_samples), p=pi)
        paths, _ = self._walk(self.n_walk_steps, rng, detail_temperature, index=start)
        return self._to_data(paths[:, -1].astype(self._dtype))

    @validate_params(
        {
            "X_start": ["array-like"],
            "n_steps": [Interval(Integral, 0, None, closed="left"), None],
            "random_state": ["random_state"],
            "return_acceptance": ["boolean"],
            "detail_temperature": [Interval(Real, 0, None, closed="left"), None],
        },
        prefer_skip_nested_validation=True,
    )
    def walk(
        self,
        X_start,
        n_steps=None,
        random_state=None,
        return_acceptance=False,
        detail_temperature=None,
    ):
        """Random-walk trajectories from given start points.

        The walk runs in latent space: from ``z`` (first ``transform`` of the
        start point) it proposes the paper's step ``z' = z + L(x) eps`` with
        ``x = inverse_transform(z)`` and the learned covariance ``L L^T``, and
        accepts it by the Metropolis-Hastings rule whose target is the
        stationary distribution on the training embeddings smoothed within
        ``walk_bandwidth_``. Walks therefore never leave a fixed neighbourhood
        of the training embeddings, however long (the VDAE design note, "Random
        walks"). Each visited point is decoded with fresh detail coordinates.

        Parameters
        ----------
        X_start : array-like of shape (n_start, n_features)
            Start points (``trajectories[:, 0]``). One whose embedding lies
            farther than ``walk_bandwidth_`` from every training embedding
            walks from the nearest training embedding instead, with a
            warning.
        n_steps : int or None, default=None
            Steps per walker; None means ``n_walk_steps``.
        random_state : int, RandomState instance or None, default=None
            Seed of the steps; None uses the estimator's ``random_state``.
        return_acceptance : bool, default=False
            Also return the fraction of accepted steps (it scales how fast
            the walk moves).
        detail_temperature : float >= 0 or None, default=None
            Multiplies the noise of the detail coordinates of every visited
            point, as in :meth:`sample` (None: 1.25 with detail coordinates).

        Returns
        -------
        trajectories : ndarray of shape (n_start, n_steps + 1, n_features)
        acceptance : float
            Only with ``return_acceptance``.
        """
        X = self._validate_X(X_start, units="data")
        n_steps = self.n_walk_steps if n_steps is None else int(n_steps)
        rng = check_random_state(
            self.random_state if random_state is None else random_state
        )
        Z = predict(self._encoder, self._to_model(X))
        paths, acceptance = self._walk(n_steps, rng, detail_temperature, Z=Z)
        paths = self._to_data(paths.astype(X.dtype))
        paths[:, 0] = X
        return (paths, acceptance) if return_acceptance else paths

    def _walk(self, n_steps, rng, temperature, Z=None, index=None):
        """:func:`~skdvae.vae._walk.walk_model` on this model."""
        return walk_model(
            self.net_.module_,
            (self.embedding_, self.stationary_distribution_, self.walk_bandwidth_),
            n_steps,
            rng,
            temperature,
            Z=Z,
            index=index,
        )

    def local_bilipschitz(self, X=None, n_neighbors=10):
        """Local bi-Lipschitz constants of the decoder on aligned pairs.

        Latent points ``Z = transform(X)`` and their decodings
        ``inverse_transform(Z)`` are compared row by row (so each latent point
        is paired with its own decoding), with
        :func:`skdvae.metrics.local_bilipschitz`: for each latent point, the
        worst ratio of latent to decoded distance, either way, over its
        ``n_neighbors`` nearest latent neighbours, after scaling both spaces
        by their median neighbour distance. 1 is a similarity; lower is better.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or None, default=None
            Points to encode; None uses the training points.
        n_neighbors : int, default=10
            Latent neighbours examined per point.

        Returns
        -------
        constants : ndarray of shape (n_samples,)
            Per-point constants (>= 1); report their mean and spread.
        """
        from skdvae.metrics import local_bilipschitz

        check_is_fitted(self)
        Z = self.embedding_ if X is None else self.transform(X)
        return local_bilipschitz(Z, self.inverse_transform(Z), n_neighbors)

    def _validate_X(self, X, units="model"):
        """Validated ``X``, in the networks' units unless ``units="data"``."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        return X if units == "data" else self._to_model(X)

    def _to_model(self, X):
        return to_model_units(X, self.data_mean_, self.data_scale_)

    def _to_data(self, X):
        """Decoded points in the data's units, within ``output_bounds_``.

        The sigmoid already bounds them; the clip removes only the rounding
        of the bounds stored in the networks' float32 buffers.
        """
        X = from_model_units(X, self.data_mean_, self.data_scale_)
        return clip_to_bounds(X, self.output_bounds_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        tags.non_deterministic = False
        return tags
