"""ModelSpec: every modelling choice in one frozen, serialisable object.

Priors are stated on interpretable quantities: a log-normal prior on ROI for channels with
a cost (paid, and owned with a cost), a log-normal prior on the share of KPI for owned and
earned channels without one. Both can be overridden per channel, here or in the channel map
(``roi_prior = [median, sigma]`` / ``share_prior = [median, sigma]``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from mmm.exceptions import ConfigError
from mmm.model.lift import LiftTest, read_lift_tests
from mmm.model.transforms import ADSTOCKS, SATURATIONS, Prior

if TYPE_CHECKING:
    from mmm.data.config import ChannelMap

Sampler = Literal["nutpie", "pymc", "numpyro"]
Method = Literal["mcmc", "map"]
SAMPLERS = ("nutpie", "pymc", "numpyro")
METHODS = ("mcmc", "map")
TRENDS = ("linear", "piecewise", "none")
LIKELIHOODS = ("lognormal", "normal")

__all__ = ["LiftTest", "ModelSpec", "read_lift_tests"]

#: tuning steps per chain when ``ModelSpec.tune`` is None: a national model ...
TUNE_NATIONAL = 500
#: ... and a regional panel. Panels sample with a diagonal mass matrix
#: (:data:`mmm.model.sample.ADAPTATION`), which is cheap enough to tune twice as long: on
#: generated 8-region panels 1000 steps gave the bulk ESS and R-hat 500 steps of the low-rank
#: adaptation gave, in ~0.6x the sampling time (benchmarks/README.md, "Mass matrix on panels")
TUNE_PANEL = 1000
#: what ``tune = None`` means, as help texts and errors say it
TUNE_DEFAULT = f"{TUNE_NATIONAL}, {TUNE_PANEL} for a regional panel"


@dataclass(frozen=True)
class ModelSpec:
    """How to model: transforms, baseline, priors, calibration and sampler settings.

    Regional panels: ``national_effect`` adds a shared weekly effect common to every region
    (festivals, national campaigns, shocks), so that week-level swings seen everywhere are not
    credited to media; ``geo_spread`` is the standard deviation of the normal prior on how much a
    channel's log-ROI (or log-share) varies between regions (0.3: regional ROIs mostly within
    about ±35% of the national one).
    ``cores`` is how many CPU cores the fit's chains may run on at once (None: every core this
    process may use, see :func:`mmm.model.sample.usable_cores`); a batch of fits on one
    machine gives each fit its share. ``tune`` (tuning steps per chain) None means
    :data:`TUNE_NATIONAL` (500) for a national dataset and :data:`TUNE_PANEL` (1000) for a
    regional panel (:meth:`resolved`; a fit's result keeps the number it used).

    Examples
    --------
    >>> spec = ModelSpec(draws=200, tune=200, chains=2, seed=1)
    >>> spec.roi_prior
    (1.0, 0.9)
    """

    adstock: str = "geometric"
    saturation: str = "hill"
    max_lag: int | None = None
    channel_transforms: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    roi_prior: tuple[float, float] = (1.0, 0.9)
    share_prior: tuple[float, float] = (0.05, 1.0)
    channel_priors: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    param_priors: Mapping[str, Prior] = field(default_factory=dict)
    trend: str = "linear"
    n_changepoints: int = 4
    fourier_modes: int = 2
    holidays: str | None = None
    likelihood: str = "lognormal"
    national_effect: bool = True
    geo_spread: float = 0.3
    lift_tests: tuple[LiftTest, ...] = ()
    holdout_periods: int = 0
    sampler: str = "nutpie"
    method: str = "mcmc"
    chains: int = 4
    draws: int = 1000
    tune: int | None = None
    seed: int = 0
    target_accept: float = 0.9
    progress: bool = True
    cores: int | None = None

    def __post_init__(self) -> None:
        if self.adstock not in ADSTOCKS:
            raise ConfigError(f"adstock == {self.adstock!r}; allowed: {', '.join(ADSTOCKS)}.")
        if self.saturation not in SATURATIONS:
            raise ConfigError(
                f"saturation == {self.saturation!r}; allowed: {', '.join(SATURATIONS)}."
            )
        for ch, (ad, sat) in self.channel_transforms.items():
            if ad not in ADSTOCKS or sat not in SATURATIONS:
                raise ConfigError(
                    f"channel_transforms[{ch!r}] == ({ad!r}, {sat!r}); adstock must be one of "
                    f"{', '.join(ADSTOCKS)} and saturation one of {', '.join(SATURATIONS)}."
                )
        checks = [
            (
                self.sampler in SAMPLERS,
                f"sampler == {self.sampler!r}; allowed: {', '.join(SAMPLERS)}.",
            ),
            (self.method in METHODS, f"method == {self.method!r}; allowed: {', '.join(METHODS)}."),
            (self.trend in TRENDS, f"trend == {self.trend!r}; allowed: {', '.join(TRENDS)}."),
            (
                self.likelihood in LIKELIHOODS,
                f"likelihood == {self.likelihood!r}; allowed: {', '.join(LIKELIHOODS)}.",
            ),
            (self.chains >= 1, f"chains == {self.chains}, must be >= 1."),
            (
                self.cores is None or self.cores >= 1,
                f"cores == {self.cores}, must be >= 1 (or None: every usable core).",
            ),
            (self.draws >= 1, f"draws == {self.draws}, must be >= 1."),
            (
                self.tune is None or self.tune >= 0,
                f"tune == {self.tune}, must be >= 0 (or None: {TUNE_DEFAULT}).",
            ),
            (
                0 < self.target_accept < 1,
                f"target_accept == {self.target_accept}, must be in (0, 1).",
            ),
            (
                self.holdout_periods >= 0,
                f"holdout_periods == {self.holdout_periods}, must be >= 0.",
            ),
            (self.fourier_modes >= 0, f"fourier_modes == {self.fourier_modes}, must be >= 0."),
            (self.geo_spread > 0, f"geo_spread == {self.geo_spread}, must be > 0."),
            (
                self.max_lag is None or self.max_lag >= 1,
                f"max_lag == {self.max_lag}, must be >= 1.",
            ),
        ]
        for ok, msg in checks:
            if not ok:
                raise ConfigError(msg)
        for name, prior in {
            "roi_prior": self.roi_prior,
            "share_prior": self.share_prior,
            **self.channel_priors,
        }.items():
            if len(prior) != 2 or prior[0] <= 0 or prior[1] <= 0:
                raise ConfigError(f"{name} == {prior!r}; expected (median, sigma), both > 0.")

    def resolved(self, panel: bool) -> ModelSpec:
        """This spec with the defaults that depend on the data filled in: ``tune`` None becomes
        :data:`TUNE_PANEL` for a regional panel, :data:`TUNE_NATIONAL` otherwise."""
        if self.tune is not None:
            return self
        return self.replace(tune=TUNE_PANEL if panel else TUNE_NATIONAL)

    def replace(self, **changes: Any) -> ModelSpec:
        """A copy with some fields changed."""
        return replace(self, **changes)

    @classmethod
    def from_channel_map(cls, channel_map: ChannelMap, **overrides: Any) -> ModelSpec:
        """The spec a channel map asks for: defaults, then its ``[model]`` table, then ``overrides``.

        This is how ``mmm fit`` builds its spec (command-line flags are the overrides), so a
        notebook gets the same model with ``ModelSpec.from_channel_map(ds.channel_map)``.

        Examples
        --------
        >>> from mmm.data.config import ChannelMap
        >>> cmap = ChannelMap.from_dict({"date": "week", "kpi": "revenue",
        ...     "channels": {"tv": {"media": "paid", "spend": "tv_spend"}},
        ...     "model": {"trend": "none", "draws": 500}})
        >>> spec = ModelSpec.from_channel_map(cmap, draws=200)
        >>> spec.trend, spec.draws, spec.tune, spec.resolved(panel=True).tune
        ('none', 200, None, 1000)
        """
        try:
            base = cls(**dict(channel_map.model))
        except ConfigError as exc:
            raise ConfigError(f"In the channel map's [model] table: {exc}") from None
        return base.replace(**overrides)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["lift_tests"] = [t.to_dict() for t in self.lift_tests]
        d["channel_transforms"] = {k: list(v) for k, v in self.channel_transforms.items()}
        d["channel_priors"] = {k: list(v) for k, v in self.channel_priors.items()}
        d["param_priors"] = {k: v.to_dict() for k, v in self.param_priors.items()}
        d["roi_prior"] = list(self.roi_prior)
        d["share_prior"] = list(self.share_prior)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ModelSpec:
        d = dict(d)
        d["lift_tests"] = tuple(LiftTest.from_dict(t) for t in d.get("lift_tests", ()))
        d["channel_transforms"] = {k: tuple(v) for k, v in d.get("channel_transforms", {}).items()}
        d["channel_priors"] = {k: tuple(v) for k, v in d.get("channel_priors", {}).items()}
        d["param_priors"] = {k: Prior.from_dict(v) for k, v in d.get("param_priors", {}).items()}
        d["roi_prior"] = tuple(d.get("roi_prior", (1.0, 0.9)))
        d["share_prior"] = tuple(d.get("share_prior", (0.05, 1.0)))
        return cls(**d)
