"""Two-stage training of :class:`skdvae.DiffusionVAE` (private mixin).

``_TwoStageFit`` holds what ``DiffusionVAE.fit`` orchestrates, so that the
estimator module keeps the public API and its documentation:

- stage 1, the encoder mean: regression onto ``DiffusionMap`` coordinates,
  or SpectralNet followed by a Rayleigh-Ritz step;
- stage 2, the covariance network and decoder on the minibatch one-step
  ELBO with the encoder frozen;
- the explicit, seeded validation split, the device, the batch size, and
  the float64 inference helper shared with the public methods.

Each stage is a private skorch net built by :func:`skdvae._skorch.make_net`
and initialised inside ``torch.random.fork_rng`` from its own seed.
"""

import copy

import numpy as np
import torch
from sklearn.neighbors import NearestNeighbors
from sklearn.utils import check_random_state
from skorch.helper import predefined_split

from skdvae import _skorch
from skdvae._latent_geometry import (
    LatentSearch,
    global_scale,
    kernel_graph,
    local_covariances,
    mean_step_variance,
    padded_rows,
    rayleigh_ritz,
    use_latent_search,
)
from skdvae._skorch import as_tensor as _tensor
from skdvae._skorch import torch_threads as _torch_threads
from skdvae.diffusion_map import DiffusionMap
from skdvae.networks import EncoderMean, SpectralNetModule, TransitionModule

__all__ = ["_TwoStageFit", "inference_copy", "tensor64"]

# Realised walk steps reconstructed per sampled latent point: the single
# training point whose embedding is nearest (the realisation x' of the step).
_N_RECONSTRUCTION_NEIGHBORS = 1
# Optimiser options of the decoder's scalar log noise variance: a larger step
# than the networks' so the likelihood's scale keeps up with the decoder.
_NOISE_LR = {"lr": 0.02}
# Rows per forward pass at inference.
_INFERENCE_BATCH = 8192
# Parameters of the regression route's DiffusionMap that DiffusionVAE sets.
_OWN_DIFFUSION_MAP_PARAMS = (
    "n_components",
    "n_neighbors",
    "alpha",
    "t",
    "random_state",
)


class _TwoStageFit:
    """Fit-time machinery of DiffusionVAE (mixed into the estimator)."""

    def _fit(self, X, warm):
        rng = check_random_state(self.random_state)
        seeds = rng.randint(np.iinfo(np.int32).max, size=6)
        self._device = self._resolve_device()
        X_train, X_val = self._split(X, seeds[0])
        self.X_fit_ = X_train
        self._neighbors = NearestNeighbors(n_neighbors=self.n_neighbors).fit(X_train)
        index = self._neighbors.kneighbors(X_train, return_distance=False)
        pi = None
        if not warm:
            self.encoder_route_ = self.encoder
            if self.encoder == "diffusion_map":
                pi = self._fit_regression_encoder(X_train, X_val, index, seeds)
            else:
                pi = self._fit_spectralnet_encoder(X_train, seeds)
        if pi is None:  # landmarks, or new data in a warm start
            dm = getattr(self, "diffusion_map_", None)
            epsilon = None if dm is None else dm.epsilon_
            _, pi, _ = kernel_graph(X_train, self.n_neighbors, self.alpha, epsilon)
        self.stationary_distribution_ = pi / pi.sum()
        self._fit_transition(X_train, X_val, index, seeds, warm)
        self._dtype = X.dtype

    def _check_sizes(self, X):
        n_fit = X.shape[0] - self._n_validation(X.shape[0])
        if self.n_neighbors > n_fit:
            raise ValueError(
                "Expected n_neighbors <= n_samples_fit, but n_neighbors = "
                f"{self.n_neighbors}, n_samples_fit = {n_fit}, "
                f"n_samples = {X.shape[0]}"
            )
        if self.encoder == "spectralnet" and self.n_components >= n_fit:
            raise ValueError(
                f"n_components={self.n_components} must be below the number of "
                f"training samples ({n_fit})."
            )

    def _n_validation(self, n_samples):
        if not self.early_stopping:
            return 0
        return min(
            max(1, int(round(self.validation_fraction * n_samples))), n_samples - 2
        )

    def _resolve_device(self):
        try:
            device = torch.device(self.device)
        except RuntimeError as exc:
            raise ValueError(f"Invalid device {self.device!r}: {exc}") from exc
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ValueError("device='cuda' was requested but CUDA is not available.")
        return str(device)

    def _split(self, X, seed):
        """Explicit, seeded validation split (``early_stopping`` only)."""
        n_val = self._n_validation(X.shape[0])
        if n_val == 0:
            return X, None
        order = np.random.RandomState(seed).permutation(X.shape[0])
        return X[np.sort(order[n_val:])], X[np.sort(order[:n_val])]

    def _batch_size(self, n_samples):
        if self.batch_size == "auto":
            # At least 16 optimiser steps per epoch on small data sets.
            return min(n_samples, max(32, min(128, n_samples // 16)))
        return min(self.batch_size, n_samples)

    def _net(
        self,
        net_class,
        module,
        stage,
        seed,
        valid=None,
        net_params=None,
        **criterion_params,
    ):
        n_features = self.n_features_in_
        """A private skorch net, initialised with its own seed (no global RNG)."""
        net = _skorch.make_net(
            net_class,
            module,
            stage=stage,
            max_iter=self.max_iter,
            batch_size=self._batch_size(len(self.X_fit_)),
            learning_rate_init=self.learning_rate_init,
            tol=self.tol,
            n_iter_no_change=self.n_iter_no_change,
            valid_dataset=valid,
            shuffle_seed=seed + 1,
            verbose=self.verbose,
            device=self._device,
            module_params={
                "n_features": n_features,
                "n_components": self.n_components,
                "hidden_layer_sizes": tuple(self.hidden_layer_sizes),
            },
            criterion_params=criterion_params,
            **(net_params or {}),
        )
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(int(seed))
            net.initialize()
        return net

    def _say(self, message):
        if self.verbose:
            print(f"[DiffusionVAE] {message}")

    # -------------------------------------------------------------- stage 1
    def _fit_regression_encoder(self, X_train, X_val, index, seeds):
        """Stage 1, regression route: psi~ regresses on DiffusionMap coordinates."""
        params = dict(self.diffusion_map_params or {})
        clash = sorted(set(params) & set(_OWN_DIFFUSION_MAP_PARAMS))
        if clash:
            raise ValueError(
                f"diffusion_map_params may not set {clash}: they are parameters "
                "of DiffusionVAE itself."
            )
        self._say("stage 1/2: diffusion map, then regression of the encoder mean")
        dm = DiffusionMap(
            self.n_components,
            n_neighbors=self.n_neighbors,
            alpha=self.alpha,
            t=self.t,
            random_state=int(seeds[1]),
            **params,
        ).fit(X_train)
        self.diffusion_map_ = dm
        Y = dm.embedding_.astype(np.float32)
        valid = None
        if X_val is not None:
            valid = _skorch.BatchDataset(
                {"x": _tensor(X_val)},
                y=_tensor(dm.transform(X_val)),
            )
        scale = global_scale(Y)
        # The error is measured in units of one walk step of the targets.
        step = np.sqrt(mean_step_variance(Y.astype(np.float64), index)) or scale
        net = self._net(
            _skorch.EncoderNet,
            EncoderMean,
            "encoder regression (stage 1)",
            int(seeds[2]),
            valid,
            scale=step,
        )
        net.module_.set_input_scaling(X_train.mean(0), global_scale(X_train))
        net.module_.set_output_affine(scale * np.eye(self.n_components), Y.mean(0))
        net.partial_fit(_skorch.BatchDataset({"x": _tensor(X_train)}, y=_tensor(Y)))
        self._store_encoder(net)
        if len(dm.stationary_distribution_) == len(X_train):
            return dm.stationary_distribution_
        return None

    def _fit_spectralnet_encoder(self, X_train, seeds):
        """Stage 1, SpectralNet route: minibatch spectral loss, then Rayleigh-Ritz."""
        self._say("stage 1/2: SpectralNet encoder mean")
        self.diffusion_map_ = None
        K_alpha, degree, _ = kernel_graph(X_train, self.n_neighbors, self.alpha)
        index, weight = padded_rows(K_alpha)
        net = self._net(
            _skorch.SpectralNet,
            SpectralNetModule,
            "SpectralNet encoder (stage 1)",
            int(seeds[2]),
            net_params={"relative_tol": True},
        )
        net.module_.encoder.set_input_scaling(X_train.mean(0), global_scale(X_train))
        X32 = _tensor(X_train)
        data = {
            "x": X32,
            "weights": _tensor(weight),
            "degree": _tensor(degree),
        }
        neighbors = ("x_neighbors", X32, torch.as_tensor(index))
        net.partial_fit(_skorch.BatchDataset(data, neighbors=neighbors))
        encoder = net.module_.encoder
        H = self._forward(encoder, X_train, "features")
        matrix, shift, self.eigenvalues_ = rayleigh_ritz(H, K_alpha, degree, self.t)
        encoder.set_output_affine(matrix, shift)
        self._store_encoder(net)
        return degree

    def _store_encoder(self, net):
        self.encoder_net_ = net
        self.encoder_n_iter_ = len(net.history)
        self.encoder_loss_curve_ = list(net.history[:, "train_loss"])

    # -------------------------------------------------------------- stage 2
    def _prior_chol(self, E_query, neighbor_index, E_ref):
        cov = local_covariances(E_query, neighbor_index, E_ref)
        cov = cov + self.covariance_floor_ * np.eye(self.n_components)
        return np.linalg.cholesky(cov)

    def _fit_transition(self, X_train, X_val, index, seeds, warm):
        """Stage 2: covariance head and decoder on the minibatch one-step ELBO."""
        self._say("stage 2/2: covariance network and decoder")
        E = self._forward(self._encoder, X_train).astype(np.float64)
        self.embedding_ = E
        mean_var = mean_step_variance(E, index)
        self.covariance_floor_ = self.covariance_floor * (
            mean_var or global_scale(E) ** 2
        )
        prior = self._prior_chol(E, index, E)
        if not warm:
            self.net_ = self._new_transition_net(X_train, E, mean_var, seeds)
        net = self.net_
        reference = _tensor(E)
        search = None
        if use_latent_search(self._device, *E.shape):
            # Built from the float32 reference the brute force would rank.
            search = LatentSearch(reference.double().numpy(), net.criterion_.n_nearest)
        net.criterion_.set_reference(reference, _tensor(X_train), search)
        noise = ("eps", self.n_components, int(seeds[5]) + len(net.history))
        data = {
            "x": _tensor(X_train),
            "mu": reference,
            "prior_chol": _tensor(prior),
        }
        try:
            valid = self._transition_validation(X_val, E, seeds)
            split = None if valid is None else predefined_split(valid)
            net.set_params(train_split=split)
            net.partial_fit(_skorch.BatchDataset(data, noise=noise))
        finally:  # a fitted (or failed) model keeps no training data or index
            net.set_params(train_split=None)
            net.criterion_.set_reference(None, None)
        self._store_curves(net)

    def _new_transition_net(self, X_train, E, mean_var, seeds):
        net = self._net(
            _skorch.TransitionNet,
            TransitionModule,
            "covariance/decoder training (stage 2)",
            int(seeds[4]),
            valid=None,
            net_params={"param_groups": [("decoder.log_noise_var", _NOISE_LR)]},
            data_scale=global_scale(X_train),
            kl_weight=self.kl_weight,
            n_nearest=_N_RECONSTRUCTION_NEIGHBORS,
        )
        module = net.module_
        module.covariance.set_input_scaling(X_train.mean(0), global_scale(X_train))
        module.covariance.set_output_scale(np.sqrt(mean_var + self.covariance_floor_))
        module.decoder.set_input_scaling(E.mean(0), global_scale(E))
        module.decoder.set_output_scaling(X_train.mean(0), global_scale(X_train))
        return net

    def _transition_validation(self, X_val, E, seeds):
        if X_val is None:
            return None
        E_val = self._forward(self._encoder, X_val).astype(np.float64)
        index = self._neighbors.kneighbors(X_val, return_distance=False)
        eps = np.random.RandomState(seeds[3]).standard_normal((len(X_val), E.shape[1]))
        data = {
            "x": _tensor(X_val),
            "mu": _tensor(E_val),
            "prior_chol": _tensor(self._prior_chol(E_val, index, E)),
            "eps": _tensor(eps),
        }
        return _skorch.BatchDataset(data)

    def _store_curves(self, net):
        history = net.history
        self.n_iter_ = len(history)
        self.loss_curve_ = list(history[:, "train_loss"])
        decoder = net.module_.decoder
        self.noise_variance_ = float(
            torch.exp(decoder.log_noise_var.detach()).cpu()
            * decoder.out_scale.cpu() ** 2
        )
        if self.early_stopping:
            self.validation_scores_ = [-v for v in history[:, "valid_loss"]]
            self.best_validation_score_ = max(self.validation_scores_)
            self.best_loss_ = None
        else:
            self.validation_scores_ = None
            self.best_validation_score_ = None
            self.best_loss_ = min(self.loss_curve_)

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
        return self.n_components

    def _forward(self, module, A, method="forward"):
        """Apply ``module.<method>`` to the rows of ``A``, in float64, eval mode.

        Inference runs on a float64 copy of the (float32-trained) module, so
        a row's result does not depend on the batch it is computed in (float32
        matrix products round differently for different batch shapes).
        """
        module = inference_copy(module)
        fn = getattr(module, method)
        device = next(module.parameters()).device
        with torch.no_grad(), _torch_threads():
            out = [
                fn(tensor64(A[i : i + _INFERENCE_BATCH]).to(device)).cpu()
                for i in range(0, len(A), _INFERENCE_BATCH)
            ]
        return torch.cat(out).numpy()


def inference_copy(module):
    """A float64 copy of ``module`` in evaluation mode."""
    return copy.deepcopy(module).to(torch.float64).eval()


def tensor64(A):
    """Float64 tensor owning a copy of ``A``."""
    return torch.from_numpy(np.array(A, dtype=np.float64, copy=True))
