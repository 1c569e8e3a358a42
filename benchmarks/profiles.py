"""What each benchmark profile runs.

``tiny``
    Seconds: every section on a few hundred points, for the runner's test.
``quick``
    The README's main job, well under 10 minutes on 2 cores: manifold learning
    on a 5,000-point Swiss roll and on digits, a 10,000 / 20,000-point scale
    check, generative fidelity on the loop, two circles (latent 3) and torus
    with two seeds, Frey faces, walk stability, and the digits pipeline
    search.
``full``
    Everything: all synthetic sets, the 50,000-point
    Swiss roll against UMAP and the 200,000-point landmark fit, generative
    fidelity on all six synthetic sets over five seeds (two circles at latent
    3 and 2, the Gaussian grid at 2 and 3), Frey faces and Fashion-MNIST
    against the Gaussian VAE at three latent dimensions, walk stability
    (100-step walks of 200 walkers on the loop, torus and Frey faces), and the
    pipeline search on digits and a Fashion-MNIST subset. Its real-image
    section fits every model at seed 0 and repeats DiffusionVAE and the
    Gaussian VAE at the same total latent dimension at seed 1, and the
    real-image targets read the means.
``real-seeds``
    The real-image targets alone: the full profile's Frey-face and
    Fashion-MNIST settings, DiffusionVAE and the Gaussian VAE at the same total
    latent dimension only, at seeds 0 and 1 (80 minutes on a 2-core Intel
    Xeon, ``benchmarks/results/real-seeds/``).

``tiny`` measures in the runner's own process (``isolate=False``) and with
one BLAS thread (``blas_threads=1``) to stay fast on a busy machine, where
multi-threaded BLAS on small matrices can wait on busy cores for 100 times
longer than it computes; the other profiles run every fit in a fresh child
process with the libraries' own thread settings.

The two VAEs share one training budget (``vae_params``): the Gaussian VAE
copies the network sizes and budget of the ``DiffusionVAE`` built from them.
``walks`` sets the walk-stability measurement (:mod:`benchmarks.walks`):
walkers, steps and datasets.
"""

from dataclasses import dataclass, field, replace

__all__ = [
    "GENERATIVE_METHODS",
    "MANIFOLD_METHODS",
    "PROFILES",
    "VAE_METHODS",
    "GenerativeCase",
    "ManifoldCase",
    "Profile",
    "get_profile",
]

#: Every manifold learner of the comparison, in report order.
MANIFOLD_METHODS = (
    "DiffusionMap",
    "DiffusionVAE",
    "Isomap",
    "SpectralEmbedding",
    "UMAP",
    "pydiffmap",
    "datafold",
)
#: The generative models compared on the same data.
GENERATIVE_METHODS = ("DiffusionVAE", "GaussianVAE", "DiffusionMap")
#: The two VAEs, which share one training budget (``Profile.vae_params``).
VAE_METHODS = ("DiffusionVAE", "GaussianVAE")


@dataclass(frozen=True)
class ManifoldCase:
    """One dataset of the manifold-learning section.

    Parameters
    ----------
    dataset : str
        A synthetic dataset name or ``"digits"``, ``"fashion_mnist"``,
        ``"frey_faces"``.
    n_samples : int or None
        Training points (None: the whole real dataset).
    n_components : int
        Embedding dimension, the same for every method.
    n_test : int
        Held-out points for ``transform`` and the round trip.
    methods : tuple of str
        Methods to run (keys of :data:`benchmarks.peers.PEERS`).
    timeout : float or None
        Wall-time limit of each fit, in seconds (None: the profile's).
    """

    dataset: str
    n_samples: int | None
    n_components: int
    n_test: int
    methods: tuple = MANIFOLD_METHODS
    timeout: float | None = None

    @property
    def label(self):
        """Unique name of the case, e.g. ``fashion_mnist_5000``."""
        return f"{self.dataset}_{self.n_samples or 'all'}"


@dataclass(frozen=True)
class GenerativeCase:
    """One synthetic dataset of the generative section.

    Parameters
    ----------
    dataset : str
        A key of :data:`skdvae.datasets.SYNTHETIC`.
    n_samples : int
        Training points.
    n_components : int
        Latent dimension (number of diffusion coordinates).
    note : str, default=""
        Why the case is configured as it is (shown in the report).
    """

    dataset: str
    n_samples: int
    n_components: int
    note: str = ""

    @property
    def label(self):
        """Unique name of the case, e.g. ``gaussian_grid_latent3``."""
        return f"{self.dataset}_latent{self.n_components}"


@dataclass(frozen=True)
class Profile:
    """A complete benchmark configuration (see the module docstring)."""

    name: str
    description: str
    manifold: tuple = ()
    trust_max_samples: int = 2000
    scale: dict = field(default_factory=dict)
    generative: tuple = ()
    generative_methods: tuple = GENERATIVE_METHODS
    seeds: tuple = (0,)
    n_generated: int = 1000
    metric_max_samples: int = 1000
    vae_params: dict = field(default_factory=dict)
    real: dict = field(default_factory=dict)
    walks: dict = field(default_factory=dict)
    pipelines: dict = field(default_factory=dict)
    timeout: float = 900.0
    memory_limit_mb: float = 16_000.0
    warmup: bool = True
    isolate: bool = True
    blas_threads: int | None = None
    sections: tuple | None = None

    def method_params(self, method):
        """Constructor settings the profile gives ``method`` (the VAE budget)."""
        return dict(self.vae_params) if method in VAE_METHODS else {}


_CIRCLES_3D = (
    "The kernel graph has two components. Each circle is described by its "
    "own coordinates, chosen among its own eigenvectors and sharing the same "
    "latent dimensions, and the circles are kept apart by constant offsets."
)
_CIRCLES_2D = (
    "The same data at two latent dimensions: each circle gets the same two "
    "shared coordinates and the offsets place the circles side by side, so "
    "no latent dimension is spent on separating them."
)
_GRID_2D = (
    "The 25 modes are 40 standard deviations apart, so the kernel graph has "
    "25 connected components. Each mode is described by its own coordinates "
    "in the shared latent dimensions, and the modes are kept apart by "
    "constant offsets (their centres projected on the principal axes), so "
    "two latent dimensions suffice."
)
_GRID_3D = "The same data at three latent dimensions."
#: Walk stability: walkers, steps, and where (loop, torus, Frey faces).
_WALKS = dict(n_walkers=200, n_steps=100, datasets=("loop", "torus", "frey_faces"))

_TINY = Profile(
    name="tiny",
    description="every section on a few hundred points, one BLAS thread "
    "(the runner's test)",
    manifold=(ManifoldCase("swiss_roll", 300, 2, 60, ("DiffusionMap", "Isomap")),),
    trust_max_samples=300,
    scale=dict(
        n_compare=600,
        n_large=1500,
        n_landmarks=300,
        n_test=100,
        methods=("DiffusionMap", "Isomap"),
    ),
    generative=(GenerativeCase("loop", 300, 2),),
    n_generated=200,
    metric_max_samples=200,
    vae_params=dict(max_iter=3),
    real=dict(
        frey_faces=dict(n_train=300, n_test=100, n_components=3),
        methods=("DiffusionVAE", "GaussianVAE"),
        n_walks=2,
        n_steps=4,
        grid=(2, 4),
    ),
    walks=dict(_WALKS, n_walkers=20, n_steps=10),
    pipelines=dict(
        datasets=dict(digits=300),
        methods=("DiffusionMap", "Isomap"),
        n_components=4,
        cv=2,
        n_neighbors=(5,),
    ),
    timeout=120.0,
    warmup=False,
    isolate=False,
    blas_threads=1,
)

_QUICK = Profile(
    name="quick",
    description="README main job: Swiss roll 5k and digits, scale check, "
    "loop / two circles / torus with 2 seeds, Frey faces, walk stability, "
    "digits pipelines",
    manifold=(
        ManifoldCase("swiss_roll", 5000, 2, 1000),
        ManifoldCase("digits", None, 2, 300),
    ),
    scale=dict(
        n_compare=10_000,
        n_large=20_000,
        n_landmarks=2000,
        n_test=1000,
        methods=("DiffusionMap", "UMAP"),
    ),
    generative=(
        GenerativeCase("loop", 1500, 2),
        GenerativeCase("two_circles", 1500, 3, note=_CIRCLES_3D),
        GenerativeCase("torus", 2000, 4),
    ),
    seeds=(0, 1),
    real=dict(
        frey_faces=dict(n_train=1700, n_test=265, n_components=3),
        methods=("DiffusionVAE", "GaussianVAE", "DiffusionMap"),
        n_walks=4,
        n_steps=10,
        grid=(4, 8),
    ),
    walks=_WALKS,
    pipelines=dict(
        datasets=dict(digits=None),
        methods=("DiffusionMap", "DiffusionVAE", "Isomap", "UMAP"),
        n_components=8,
        cv=3,
        n_neighbors=(5, 15),
    ),
    timeout=600.0,
)

_FULL = Profile(
    name="full",
    description="everything: all synthetic and image sets, the 50,000- and "
    "200,000-point Swiss rolls, five seeds, walk stability and pipelines",
    manifold=(
        ManifoldCase("swiss_roll", 5000, 2, 1000),
        ManifoldCase("s_curve", 5000, 2, 1000),
        ManifoldCase("loop", 3000, 2, 600),
        ManifoldCase("sphere", 5000, 3, 1000),
        ManifoldCase("torus", 5000, 3, 1000),
        ManifoldCase("digits", None, 2, 300),
        ManifoldCase("fashion_mnist", 5000, 2, 1000, timeout=1800.0),
        ManifoldCase(
            "fashion_mnist",
            60_000,
            2,
            2000,
            methods=("DiffusionMap", "DiffusionVAE", "UMAP"),
        ),
    ),
    scale=dict(
        n_compare=50_000,
        n_large=200_000,
        n_landmarks=10_000,
        n_test=2000,
        methods=("DiffusionMap", "UMAP", "UMAP (unseeded, parallel)"),
    ),
    generative=(
        GenerativeCase("loop", 2000, 2),
        GenerativeCase("circle", 2000, 2),
        GenerativeCase("sphere", 3000, 3),
        GenerativeCase("torus", 3000, 4),
        GenerativeCase("two_circles", 2000, 3, note=_CIRCLES_3D),
        GenerativeCase("two_circles", 2000, 2, note=_CIRCLES_2D),
        GenerativeCase("gaussian_grid", 2500, 2, note=_GRID_2D),
        GenerativeCase("gaussian_grid", 2500, 3, note=_GRID_3D),
    ),
    seeds=(0, 1, 2, 3, 4),
    n_generated=2000,
    metric_max_samples=1000,
    real=dict(
        frey_faces=dict(n_train=1700, n_test=265, n_components=3),
        fashion_mnist=dict(n_train=20_000, n_test=2000, n_components=8),
        methods=("DiffusionVAE", "GaussianVAE", "DiffusionMap"),
        n_walks=6,
        n_steps=12,
        grid=(6, 10),
        seeds=(0, 1),
    ),
    walks=_WALKS,
    pipelines=dict(
        datasets=dict(digits=None, fashion_mnist=5000),
        methods=("DiffusionMap", "DiffusionVAE", "Isomap", "UMAP"),
        n_components=8,
        cv=3,
        n_neighbors=(5, 15),
    ),
    timeout=3600.0,
)

_REAL_SEEDS = replace(
    _FULL,
    name="real-seeds",
    description="the real-image targets: Frey faces and Fashion-MNIST 20k at "
    "the full profile's settings, DiffusionVAE and the Gaussian VAE at the same "
    "total latent dimension, seeds 0 and 1",
    real=dict(_FULL.real, rows="targets"),
    sections=("real",),
)

PROFILES = {p.name: p for p in (_TINY, _QUICK, _FULL, _REAL_SEEDS)}
"""The profiles, keyed by name."""


def get_profile(name):
    """Return the profile called ``name`` (a key of :data:`PROFILES`)."""
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(
            f"Unknown profile {name!r}; expected one of {sorted(PROFILES)}."
        ) from None
