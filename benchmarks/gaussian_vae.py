"""A Gaussian-prior VAE baseline of the same size as :class:`skdvae.DiffusionVAE`.

The benchmark compares the diffusion VAE with the model it claims to improve
on: a standard VAE whose latent prior is N(0, I). To make the comparison about
the prior and not about capacity or training time, the baseline is built from
the same torch modules as the diffusion VAE (:class:`skdvae.networks.EncoderMean`
as encoder body, :class:`skdvae.networks.Decoder` with its learned Gaussian
likelihood) with the same hidden sizes, and it is trained for the same number
of epochs, with the same batch size, learning rate and early-stopping rule.
:func:`benchmarks.peers.make_estimator` copies those settings from a
``DiffusionVAE`` instance.
"""

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array, check_is_fitted

__all__ = ["GaussianVAE"]


class _VAEModule(torch.nn.Module):
    """Encoder (mean and log-variance) and decoder of a Gaussian VAE."""

    def __init__(self, n_features, n_components, encoder_sizes, decoder_sizes, act):
        from skdvae.vae._modules import Decoder, EncoderMean

        super().__init__()
        self.n_components = int(n_components)
        self.encoder = EncoderMean(n_features, 2 * n_components, encoder_sizes, act)
        self.decoder = Decoder(n_components, n_features, decoder_sizes, act)

    def encode(self, x):
        h = self.encoder(x)
        return h[:, : self.n_components], h[:, self.n_components :]

    def loss(self, x, noise, beta):
        """Negative ELBO per sample, averaged over the batch."""
        from skdvae.vae._losses import gaussian_nll

        mean, log_var = self.encode(x)
        z = mean + torch.exp(0.5 * log_var) * noise
        nll = gaussian_nll(
            x, self.decoder(z), self.decoder.log_noise_var, self.decoder.out_scale
        )
        kl = 0.5 * (mean.square() + log_var.exp() - 1.0 - log_var).sum(-1)
        return (nll + beta * kl).mean()


class GaussianVAE(TransformerMixin, BaseEstimator):
    """Variational autoencoder with a standard Gaussian prior (benchmark baseline).

    Parameters
    ----------
    n_components : int, default=2
        Latent dimension.
    hidden_layer_sizes : tuple of int, default=(64, 64)
        Hidden widths of the encoder.
    decoder_hidden_layer_sizes : tuple of int or None, default=None
        Hidden widths of the decoder; None means ``hidden_layer_sizes`` (as
        in :class:`skdvae.DiffusionVAE`).
    activation : {"silu", "relu", "tanh", "elu"}, default="silu"
        Non-linearity of both networks.
    batch_size : int or "auto", default="auto"
        Minibatch size (capped by the number of samples); "auto" is
        ``min(256, n_samples)``, as in :class:`skdvae.DiffusionVAE`.
    learning_rate_init : float, default=1e-3
        Adam learning rate.
    max_iter : int, default=200
        Maximum number of epochs.
    tol : float, default=1e-4
        Minimum decrease of the epoch loss counted as an improvement.
    n_iter_no_change : int or None, default=10
        Stop after this many epochs without improvement (counted after the KL
        warm-up); None trains for ``max_iter`` epochs.
    beta : float, default=1.0
        Weight of the KL term (1 is the ELBO).
    kl_warmup : float in [0, 1], default=0.25
        Fraction of ``max_iter`` over which the KL weight rises linearly from
        ``beta / n_warmup`` to ``beta`` (KL annealing, Bowman et al. 2016), the
        standard remedy against posterior collapse; 0 disables it.
    init_noise_std : float, default=0.1
        Initial standard deviation of the Gaussian likelihood, relative to the
        data scale (it is learned). Starting at the data scale (1) lets the
        KL term win before the decoder has learned anything, and the model
        collapses to the data mean within a short training budget.
    random_state : int, RandomState instance or None, default=None
        Seeds the initialisation, the batches and the reparameterisation noise.

    Attributes
    ----------
    module_ : torch.nn.Module
        The trained encoder and decoder.
    n_iter_ : int
        Epochs run.
    loss_curve_ : list of float
        Mean negative ELBO per epoch.
    n_features_in_ : int
        Number of features seen during fit.

    See Also
    --------
    skdvae.DiffusionVAE : The model this baseline is compared with.

    Examples
    --------
    >>> import numpy as np
    >>> from benchmarks.gaussian_vae import GaussianVAE
    >>> X = np.random.default_rng(0).normal(size=(64, 3))
    >>> vae = GaussianVAE(max_iter=2, random_state=0).fit(X)
    >>> vae.sample(5, random_state=0).shape
    (5, 3)
    """

    def __init__(
        self,
        n_components=2,
        *,
        hidden_layer_sizes=(64, 64),
        decoder_hidden_layer_sizes=None,
        activation="silu",
        batch_size="auto",
        learning_rate_init=1e-3,
        max_iter=200,
        tol=1e-4,
        n_iter_no_change=10,
        beta=1.0,
        kl_warmup=0.25,
        init_noise_std=0.1,
        random_state=None,
    ):
        self.n_components = n_components
        self.hidden_layer_sizes = hidden_layer_sizes
        self.decoder_hidden_layer_sizes = decoder_hidden_layer_sizes
        self.activation = activation
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.beta = beta
        self.kl_warmup = kl_warmup
        self.init_noise_std = init_noise_std
        self.random_state = random_state

    def _build(self, X, rng):
        decoder_sizes = self.decoder_hidden_layer_sizes
        if decoder_sizes is None:
            decoder_sizes = tuple(self.hidden_layer_sizes)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            module = _VAEModule(
                X.shape[1],
                self.n_components,
                self.hidden_layer_sizes,
                decoder_sizes,
                self.activation,
            )
        shift = X.mean(axis=0)
        scale = float(np.sqrt(((X - shift) ** 2).sum(axis=1).mean())) or 1.0
        module.encoder.set_input_scaling(shift, scale)
        module.decoder.set_output_scaling(shift, scale)
        with torch.no_grad():
            module.decoder.log_noise_var.fill_(2.0 * np.log(self.init_noise_std))
        return module

    def fit(self, X, y=None):
        """Train the VAE on ``X`` by minibatch Adam on the negative ELBO.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : None
            Ignored.

        Returns
        -------
        self : GaussianVAE
            The fitted estimator.
        """
        X = check_array(X, dtype=np.float64, ensure_min_samples=2)
        self.n_features_in_ = X.shape[1]
        rng = check_random_state(self.random_state)
        self.module_ = self._build(X, rng)
        data = torch.as_tensor(X, dtype=torch.float32)
        gen = torch.Generator().manual_seed(int(rng.randint(np.iinfo(np.int32).max)))
        previous = torch.get_num_threads()
        torch.set_num_threads(1)  # as DiffusionVAE: small nets run faster so
        try:
            self._train(data, gen)
        finally:
            torch.set_num_threads(previous)
        return self

    def _train(self, data, gen):
        optimizer = torch.optim.Adam(
            self.module_.parameters(), lr=self.learning_rate_init
        )
        self.loss_curve_ = []
        best, stall = np.inf, 0
        n_warmup = int(np.ceil(self.kl_warmup * self.max_iter))
        for epoch in range(self.max_iter):
            beta = self.beta * min(1.0, (epoch + 1) / max(n_warmup, 1))
            self.loss_curve_.append(self._epoch(data, optimizer, gen, beta))
            if epoch + 1 < n_warmup:  # the objective still changes: no stopping
                continue
            if self.loss_curve_[-1] < best - self.tol:
                best, stall = self.loss_curve_[-1], 0
            else:
                stall += 1
            if self.n_iter_no_change is not None and stall >= self.n_iter_no_change:
                break
        self.n_iter_ = len(self.loss_curve_)

    def _epoch(self, data, optimizer, gen, beta):
        n = data.shape[0]
        batch = 256 if self.batch_size == "auto" else int(self.batch_size)
        batch = max(1, min(batch, n))
        order = torch.randperm(n, generator=gen)
        total = 0.0
        for start in range(0, n, batch):
            x = data[order[start : start + batch]]
            noise = torch.randn(x.shape[0], self.n_components, generator=gen)
            loss = self.module_.loss(x, noise, beta)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += float(loss.detach()) * x.shape[0]
        return total / n

    def transform(self, X):
        """Return the posterior means of ``X``, shape (n_samples, n_components)."""
        check_is_fitted(self, "module_")
        X = check_array(X, dtype=np.float64)
        with torch.no_grad():
            mean, _ = self.module_.encode(torch.as_tensor(X, dtype=torch.float32))
        return mean.numpy().astype(np.float64)

    def inverse_transform(self, Z):
        """Decode latent points ``Z`` to data space (the decoder mean)."""
        check_is_fitted(self, "module_")
        Z = check_array(Z, dtype=np.float64)
        with torch.no_grad():
            X = self.module_.decoder(torch.as_tensor(Z, dtype=torch.float32))
        return X.numpy().astype(np.float64)

    def sample(self, n_samples=1, random_state=None):
        """Decode ``n_samples`` draws of the N(0, I) prior.

        Parameters
        ----------
        n_samples : int, default=1
            Number of samples.
        random_state : int, RandomState instance or None, default=None
            Seed of the prior draws.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features_in_)
            Decoder means of the prior draws.
        """
        rng = check_random_state(random_state)
        return self.inverse_transform(
            rng.standard_normal((n_samples, self.n_components))
        )
