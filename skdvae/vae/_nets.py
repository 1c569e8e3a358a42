"""Private skorch glue of :class:`skdvae.DiffusionVAE`.

skorch runs the training loops (epochs, minibatches, optimiser, validation,
early stopping, progress table, device handling, pickling). This module
adapts it to the two stages of the model:

- :class:`BatchDataset`: a map-style dataset returning whole minibatches
  through ``__getitems__`` (one tensor gather per batch instead of one
  Python call per sample), optionally gathering graph neighbours and drawing
  the reparameterisation noise from its own seeded generator;
- :class:`EncoderNet`, :class:`SpectralNet`, :class:`TransitionNet`: the
  ``NeuralNet`` subclasses of stage 1 (regression or SpectralNet) and
  stage 2, whose ``get_loss`` unpacks the modules' tuple outputs;
- :class:`StopOnNonFinite`: raise a clear error naming the epoch when a
  loss becomes NaN or infinite;
- :func:`make_net`: build a net with explicit, safe settings (no hidden
  validation split, seeded shuffling, no checkpoint files, verbosity from
  the estimator);
- :func:`set_validation`: switch a built net to (or from) an explicit
  validation set, keeping the stopping rule consistent with it.
"""

import re
import sys
import warnings

import torch
from sklearn.exceptions import ConvergenceWarning
from skorch import NeuralNet
from skorch.callbacks import Callback, EarlyStopping, PrintLog
from skorch.helper import predefined_split
from skorch.utils import to_tensor
from torch.nn.modules.utils import consume_prefix_in_state_dict_if_present

from skdvae.exceptions import _user_stacklevel
from skdvae.vae._accelerate import net_options, unwrapped
from skdvae.vae._losses import ScaledMSELoss, SpectralLoss, TransitionLoss

_ANSI = re.compile(r"\x1b\[[0-9;]*m")

__all__ = [
    "BatchDataset",
    "EncoderNet",
    "SpectralNet",
    "SmoothedLoss",
    "StopOnNonFinite",
    "TransitionNet",
    "WeightWarmup",
    "make_net",
    "set_validation",
]


def collate_batch(batch):
    """Identity collate: :class:`BatchDataset` already returns a batch."""
    return batch


class BatchDataset(torch.utils.data.Dataset):
    """Dataset of aligned tensors that returns whole minibatches.

    Parameters
    ----------
    arrays : dict of str to Tensor
        Per-sample tensors with a common first dimension; a batch is the dict
        of their rows.
    y : Tensor or None, default=None
        Targets, or None.
    neighbors : tuple (str, Tensor, LongTensor) or None, default=None
        ``(key, source, index)``: the batch also gets ``key`` =
        ``source[index[rows]]``, the neighbours of its points gathered on the
        fly (``source`` is stored once).
    noise : tuple (str, int, int) or None, default=None
        ``(key, dim, seed)``: the batch also gets ``key``, standard normal
        noise of shape (batch, dim) drawn from a CPU generator seeded once
        with ``seed``: a fresh draw at every step, reproducible run to run.
    """

    def __init__(self, arrays, y=None, neighbors=None, noise=None):
        self.arrays = arrays
        self.y = y
        self.neighbors = neighbors
        self.noise = noise
        self.generator = None
        if noise is not None:
            self.generator = torch.Generator().manual_seed(int(noise[2]))

    def __len__(self):
        return len(next(iter(self.arrays.values())))

    def __getitems__(self, rows):
        rows = torch.as_tensor(rows, dtype=torch.long)
        batch = {key: value[rows] for key, value in self.arrays.items()}
        if self.neighbors is not None:
            key, source, index = self.neighbors
            batch[key] = source[index[rows]]
        if self.noise is not None:
            key, dim, _ = self.noise
            batch[key] = torch.randn(len(rows), dim, generator=self.generator)
        return batch, None if self.y is None else self.y[rows]

    def __getitem__(self, row):
        batch, y = self.__getitems__([row])
        batch = {key: value[0] for key, value in batch.items()}
        return batch, None if y is None else y[0]


class StopOnNonFinite(Callback):
    """Raise ``FloatingPointError`` as soon as a batch loss is not finite.

    skorch records a NaN loss and carries on, leaving a silently broken
    model; this callback stops the fit and names the stage and the epoch.

    Parameters
    ----------
    stage : str
        Name of the training stage, used in the message.
    """

    def __init__(self, stage):
        self.stage = stage

    def on_batch_end(self, net, batch=None, training=None, loss=None, **kwargs):
        """Check the loss of the batch that just ended."""
        if loss is not None and not bool(torch.isfinite(loss).all()):
            kind = "training" if training else "validation"
            raise FloatingPointError(
                f"The {kind} loss of the {self.stage} became {loss.item()} at "
                f"epoch {len(net.history)}. Training diverged; try a smaller "
                "learning_rate_init, a larger covariance_floor, or rescale the "
                "data."
            )


class SmoothedLoss(Callback):
    """Record an exponential moving average of the training loss per epoch.

    The stage-2 loss is a one-draw Monte Carlo estimate, so its epoch means
    jitter; the stopping rule monitors this average (key
    ``"train_loss_smooth"``) instead, which lowers the jitter about threefold.

    Parameters
    ----------
    weight : float, default=0.2
        Weight of the newest epoch.
    """

    def __init__(self, weight=0.2):
        self.weight = weight

    def on_epoch_end(self, net, **kwargs):
        """Append the smoothed loss to the epoch's history row."""
        loss = net.history[-1, "train_loss"]
        previous = (
            net.history[-2, "train_loss_smooth"] if len(net.history) > 1 else loss
        )
        smooth = previous + self.weight * (loss - previous)
        net.history.record("train_loss_smooth", smooth)


class TrainingInterrupted(Exception):
    """A KeyboardInterrupt in a net's training loop, passed on past skorch."""


class StopTraining(Exception):
    """The stopping rule is met: the training loop ends normally."""


class StoppingRule(EarlyStopping):
    """skorch's ``EarlyStopping`` that tells its stop from the user's Ctrl-C.

    skorch ends training by raising KeyboardInterrupt, the exception of a
    user's interrupt; this rule raises :class:`StopTraining` instead. When
    ``max_iter`` epochs end the training before the rule is met, it issues
    scikit-learn's ``ConvergenceWarning``, as ``MLPRegressor`` does.

    Parameters
    ----------
    stage : str
        Name of the training stage, used in the warning.
    monitor, patience, threshold, threshold_mode, lower_is_better, sink, \
load_best
        As in :class:`skorch.callbacks.EarlyStopping`.
    """

    def __init__(
        self,
        stage,
        monitor="valid_loss",
        patience=5,
        threshold=1e-4,
        threshold_mode="rel",
        lower_is_better=True,
        sink=print,
        load_best=False,
    ):
        super().__init__(
            monitor=monitor,
            patience=patience,
            threshold=threshold,
            threshold_mode=threshold_mode,
            lower_is_better=lower_is_better,
            sink=sink,
            load_best=load_best,
        )
        self.stage = stage

    def on_train_begin(self, net, **kwargs):
        """Reset the rule's state."""
        super().on_train_begin(net, **kwargs)
        self.stopped_ = False

    def on_epoch_end(self, net, **kwargs):
        """Apply the rule; stop with :class:`StopTraining` when it is met."""
        try:
            super().on_epoch_end(net, **kwargs)
        except KeyboardInterrupt:
            self.stopped_ = True
            raise StopTraining from None

    def on_train_end(self, net, **kwargs):
        """Restore the best weights; warn if ``max_iter`` ended the training."""
        if self.best_model_weights_ is not None:
            # Saved from a data-parallel wrapper, which AccelerateMixin has
            # removed by now (a no-op for a plain net's weights).
            consume_prefix_in_state_dict_if_present(self.best_model_weights_, "module.")
        super().on_train_end(net, **kwargs)
        if not self.stopped_:
            warnings.warn(
                f"The {self.stage} ran max_iter={net.max_epochs} epochs and "
                f"had not converged ({self.monitor} still improved by more "
                f"than tol={self.threshold} within n_iter_no_change="
                f"{self.patience} epochs). Increase max_iter for a better fit.",
                ConvergenceWarning,
                stacklevel=_user_stacklevel(),
            )


class PlainPrintLog(PrintLog):
    """skorch's epoch table, every ``every``-th epoch, colour codes only on a TTY.

    Parameters
    ----------
    every : int, default=1
        Print the first epoch and every ``every``-th one.
    keys_ignored, sink, tablefmt, floatfmt, stralign
        As in :class:`skorch.callbacks.PrintLog`.
    """

    def __init__(
        self,
        every=1,
        keys_ignored=None,
        sink=print,
        tablefmt="simple",
        floatfmt=".4f",
        stralign="right",
    ):
        super().__init__(keys_ignored, sink, tablefmt, floatfmt, stralign)
        self.every = every

    def on_epoch_end(self, net, **kwargs):
        """Print the epoch's row if it is due."""
        epoch = len(net.history)
        if epoch == 1 or epoch % self.every == 0:
            super().on_epoch_end(net, **kwargs)

    def format_row(self, row, key, color):
        """Skorch's cell, without ANSI colour codes unless on a terminal."""
        cell = super().format_row(row, key, color)
        if isinstance(cell, str) and not sys.stdout.isatty():
            cell = _ANSI.sub("", cell)
        return cell


class _Net(NeuralNet):
    """A skorch net whose training stops the whole fit on an interrupt.

    skorch ends training quietly on a KeyboardInterrupt and returns the net
    as if it had finished; ``DiffusionVAE.fit`` would then go on to its next
    stage. Here the interrupt leaves the loop as :class:`TrainingInterrupted`,
    which skorch does not catch, so the estimator can stop and say so.
    """

    def fit_loop(self, X, y=None, epochs=None, **fit_params):
        """Skorch's training loop; an interrupt raises TrainingInterrupted."""
        try:
            return super().fit_loop(X, y, epochs=epochs, **fit_params)
        except StopTraining:
            return self
        except KeyboardInterrupt as exc:
            raise TrainingInterrupted from exc


class _BaseNet(_Net):
    """Common base: move batch entries used by the loss to the device."""

    def _batch_tensor(self, X, key):
        return to_tensor(X[key], device=self.device)


class EncoderNet(_Net):
    """Stage 1, regression route: fit psi~ to diffusion coordinates.

    skorch's own ``get_loss`` applies the criterion
    (:class:`skdvae.vae._losses.ScaledMSELoss`) to prediction and target.
    """


class SpectralNet(_BaseNet):
    """Stage 1, SpectralNet route: minibatch spectral loss."""

    def get_loss(self, y_pred, y_true, X=None, training=False):
        """Spectral loss of the whitened outputs and their neighbours."""
        y, y_neighbors = y_pred
        weights = self._batch_tensor(X, "weights")
        return self.criterion_(y, y_neighbors, weights, self._batch_tensor(X, "degree"))


class TransitionNet(_BaseNet):
    """Stage 2: covariance head, decoder and detail coordinates on the ELBO.

    One forward pass is the walk step ``z' = mu + L(x) eps``, the lookup of
    its realisation ``x'`` (the training point whose embedding is nearest,
    held by the criterion), and the decoding of ``z'`` (with ``u`` drawn from
    ``q(u | x', z')`` when the model has detail coordinates).
    """

    def infer(self, x, **fit_params):
        """Return ``(z, chol, x_hat, target, detail_kl)`` for a batch dict.

        One call of the module (its ``forward``), so that a data-parallel
        wrapper sees the whole step and synchronises every gradient.
        """
        batch = to_tensor(x, device=self.device)
        realise = self.criterion_.realised_step
        return self.module_(batch["x"], batch["mu"], batch["eps"], realise)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        """Negative ELBO of the batch (:class:`skdvae.vae._losses.TransitionLoss`)."""
        _, chol, x_hat, target, detail_kl = y_pred
        log_noise_var = unwrapped(self.module_).decoder.log_noise_var
        prior_chol = self._batch_tensor(X, "prior_chol")
        return self.criterion_(
            chol, x_hat, target, log_noise_var, prior_chol, detail_kl
        )


class WeightWarmup(Callback):
    """Ramp a weight of the criterion linearly from 0 to ``target``.

    During the first ``n_warmup`` epochs the objective changes, so the
    stopping rule starts afresh when the ramp ends: until then every epoch
    counts as an improvement. Place it before ``early_stopping``.

    Parameters
    ----------
    attribute : str
        Name of the criterion's weight.
    target : float
        Its final value.
    n_warmup : int
        Epochs of the ramp (0: no ramp).
    """

    def __init__(self, attribute, target, n_warmup):
        self.attribute = attribute
        self.target = target
        self.n_warmup = n_warmup

    def on_epoch_begin(self, net, **kwargs):
        """Set the weight of this epoch."""
        ramp = min(1.0, len(net.history) / max(self.n_warmup, 1))
        setattr(net.criterion_, self.attribute, self.target * ramp)

    def on_epoch_end(self, net, **kwargs):
        """Keep early stopping from counting the ramp's epochs."""
        if len(net.history) <= self.n_warmup:
            dict(net.callbacks_)["early_stopping"].dynamic_threshold_ = float("inf")


_CRITERIA = {
    EncoderNet: ScaledMSELoss,
    SpectralNet: SpectralLoss,
    TransitionNet: TransitionLoss,
}


def make_net(
    net_class,
    module,
    *,
    stage,
    max_iter,
    batch_size,
    learning_rate_init,
    tol,
    n_iter_no_change,
    valid_dataset,
    shuffle_seed,
    verbose,
    device,
    module_params,
    criterion_params,
    relative_tol=False,
    param_groups=(),
    criterion=None,
    extra_callbacks=(),
    accelerator=None,
):
    """Build a skorch net with explicit settings (nothing left to defaults).

    ``valid_dataset`` None means no validation split (skorch's default would
    silently hold out 20 %); otherwise it is the explicit, already seeded
    validation set. Early stopping monitors the validation loss if there is
    one (restoring the best weights, as ``MLPRegressor`` does) and the
    smoothed training loss (:class:`SmoothedLoss`) otherwise, with ``tol``
    and ``n_iter_no_change`` as in scikit-learn (``relative_tol`` makes
    ``tol`` relative, for losses with no natural unit). Batches are
    shuffled with a seeded ``torch.Generator``. ``param_groups`` are
    skorch's ``(pattern, options)`` optimiser groups. ``criterion`` replaces
    the net class's own criterion and ``extra_callbacks`` (named callbacks)
    run before the built-in ones; the benchmarks' Gaussian-prior VAE uses
    both to share this training loop. With an ``accelerator`` the net trains
    through skorch's ``AccelerateMixin`` on the accelerator's device, its
    epoch losses averaged over the processes before the stopping rule reads
    them (:mod:`skdvae.vae._accelerate`).
    """
    cls, options, extra_callbacks = net_options(
        net_class, device, accelerator, extra_callbacks, verbose
    )
    rule = StoppingRule(
        stage,
        monitor=_monitor(valid_dataset),
        patience=n_iter_no_change,
        threshold=tol,
        threshold_mode="rel" if relative_tol else "abs",
        load_best=valid_dataset is not None,
    )
    callbacks = [
        *extra_callbacks,
        ("stop_on_non_finite", StopOnNonFinite(stage)),
        ("smoothed_loss", SmoothedLoss()),
        ("early_stopping", rule),
    ]
    return cls(
        module=module,
        criterion=_CRITERIA[net_class] if criterion is None else criterion,
        optimizer=torch.optim.Adam,
        lr=learning_rate_init,
        optimizer__param_groups=list(param_groups),
        max_epochs=max_iter,
        batch_size=batch_size,
        train_split=_split(valid_dataset),
        iterator_train__shuffle=True,
        iterator_train__generator=torch.Generator().manual_seed(int(shuffle_seed)),
        iterator_train__collate_fn=collate_batch,
        iterator_valid__collate_fn=collate_batch,
        callbacks=callbacks,
        callbacks__print_log=PlainPrintLog(every=10 if verbose == 1 else 1),
        verbose=int(verbose),
        **options,
        **{f"module__{k}": v for k, v in module_params.items()},
        **{f"criterion__{k}": v for k, v in criterion_params.items()},
    )


def _monitor(valid_dataset):
    return "train_loss_smooth" if valid_dataset is None else "valid_loss"


def _split(valid_dataset):
    return None if valid_dataset is None else predefined_split(valid_dataset)


def set_validation(net, valid_dataset):
    """Train ``net`` with (or, given None, without) an explicit validation set.

    The stopping rule follows: with a validation set it monitors the
    validation loss and restores the best weights at the end of training
    (skorch's ``EarlyStopping(load_best=True)``); without, it monitors the
    smoothed training loss (:class:`SmoothedLoss`). Used where the validation
    set changes after the net was built (stage 2, and warm starts).

    Parameters
    ----------
    net : NeuralNet
        A net built by :func:`make_net`.
    valid_dataset : torch Dataset or None
        The explicit validation set.
    """
    net.set_params(
        train_split=_split(valid_dataset),
        callbacks__early_stopping__monitor=_monitor(valid_dataset),
        callbacks__early_stopping__load_best=valid_dataset is not None,
    )
    return net
