"""A seeded family of synthetic brands that differ the way real brands do, for accuracy studies.

One generator seed tests a model on one brand; a model tuned to it can look good there and
miss elsewhere. :func:`brand_family` draws ``n`` brands from :func:`mmm.data.synthetic.generate`
with the settings of each drawn at random (seeded by the family seed and the brand's index,
so brand 7 of family 0 is the same brand however many brands are drawn):

* **length and noise**: 104–208 weeks (2–4 years), multiplicative KPI noise 3–12%;
* **channels**: 3–6 of the 7 preset paid channels (at least one social), each owned channel
  with probability 1/2, earned mentions driven by the social sources with probability 0.85;
  one brand in five uses Chinese channel and column names;
* **effects**: direct ROI of each paid channel log-normal (median 1.5, σ 0.5, clipped to
  0.3–5); owned shares 1–4% and mentions 3–10% of revenue; organic mentions 0.15–1 × the
  design level (the sources then generate roughly 10–75% of mentions); a **zero-effect** channel
  (direct and through earned media) in 60% of brands, and a second one (a channel that is no
  source of earned media) in 30%; in 20% a paid channel whose spend follows the season
  (``confounded``);
* **carry-over and saturation**: per channel geometric carry-over α 0.1–0.7, or for a third
  of paid channels a **delayed peak** (lag θ 1–3 weeks, the model's ``delayed`` form),
  half-saturation 0.5–2.5 × mean input and Hill slope 0.8–2.0;
* **budgets**: every paid channel's flighting is multiplied by ``exp(ρ_c · cycle_t + r_c · t)``:
  a budget cycle shared by all channels (AR(1), φ 0.85, sd 0.25) with loading ρ_c in 0–1
  (**correlated budgets**), and a ramp r_c of −25% to +60% a year (owned channels: ramp only).
  Trend and seasonality of the baseline are drawn by ``generate`` from the brand's seed.

Each :class:`FamilyBrand` keeps the :class:`~mmm.data.synthetic.SyntheticBrand` (data,
channel map, true ROI in ``truth``, true response in ``expected_kpi``) and the settings drawn.

>>> fam = brand_family(2, family_seed=0)
>>> [b.name for b in fam]
['brand_00', 'brand_01']
>>> 104 <= len(fam[0].brand.data) <= 208
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mmm.data.synthetic import DEFAULT_START, PRESET, SyntheticBrand, generate

PAID = tuple(k for k, s in PRESET.items() if s.media == "paid")
OWNED = tuple(k for k, s in PRESET.items() if s.media == "owned")
#: channels that generate earned mentions when mentions are generated
SOURCES = tuple(k for k, s in PRESET.items() if s.mention_share > 0)
SOCIAL_PAID = tuple(k for k in PAID if PRESET[k].social)


@dataclass(frozen=True)
class FamilyBrand:
    """One brand of a family: its name, where it comes from, what was drawn, and the brand.

    Attributes
    ----------
    name : str
        ``brand_NN`` (index, zero-padded).
    index, family_seed : int
        ``family_brand(index, family_seed)`` gives this brand again.
    settings : dict
        The drawn settings (JSON-safe): ``weeks``, ``noise``, ``channels``, ``roi``, ``share``,
        ``zero_effect``, ``null_channels``, ``confounded``, ``chinese``, ``transforms``,
        ``budget_loading``, ``budget_ramp``, ``seed`` (the generator's).
    brand : SyntheticBrand
        Data, channel map and truth.
    """

    name: str
    index: int
    family_seed: int
    settings: dict[str, Any] = field(repr=False)
    brand: SyntheticBrand = field(repr=False)

    @property
    def null_channels(self) -> tuple[str, ...]:
        """Channels (model names) whose true effect is zero."""
        truth = self.brand.truth
        return tuple(truth.loc[truth["contribution_total"] == 0, "channel"].astype(str))

    def __repr__(self) -> str:
        s = self.settings
        return (
            f"FamilyBrand({self.name}: {s['weeks']} weeks, noise {s['noise']:.1%}, "
            f"channels={s['channels']}, null={list(self.null_channels)})"
        )


def draw_settings(index: int, family_seed: int = 0) -> dict[str, Any]:
    """The settings of brand ``index`` of family ``family_seed`` (see the module docstring)."""
    rng = np.random.default_rng([family_seed, index, 15])
    weeks = int(rng.integers(104, 209))
    social = [str(rng.choice(SOCIAL_PAID))]
    others = [k for k in PAID if k not in social]
    n_paid = int(rng.integers(3, 7))
    paid = social + [str(k) for k in rng.choice(others, n_paid - 1, replace=False)]
    owned = [k for k in OWNED if rng.random() < 0.5]
    keys = [k for k in PRESET if k in paid or k in owned]
    if any(k in SOURCES for k in keys) and rng.random() < 0.85:
        keys.append("mentions")
    paid = [k for k in keys if k in PAID]
    roi = {k: float(np.clip(1.5 * np.exp(rng.normal(0.0, 0.5)), 0.3, 5.0)) for k in paid}
    share = {k: float(rng.uniform(0.01, 0.04)) for k in keys if k in OWNED}
    if "mentions" in keys:
        share["mentions"] = float(rng.uniform(0.03, 0.10))
    zero = str(rng.choice(paid)) if rng.random() < 0.6 else None
    plain = [k for k in paid if k not in SOURCES and k != zero]
    second = str(rng.choice(plain)) if plain and rng.random() < 0.3 else None
    if second is not None:
        roi[second] = 0.0
    live = [k for k in paid if k not in (zero, second)]
    confounded = str(rng.choice(live)) if live and rng.random() < 0.2 else None
    transforms: dict[str, dict[str, float]] = {}
    for k in keys:
        if k == "mentions":
            continue
        t = {
            "alpha": float(rng.uniform(0.1, 0.7)),
            "half": float(rng.uniform(0.5, 2.5)),
            "slope": float(rng.uniform(0.8, 2.0)),
        }
        if k in PAID and rng.random() < 1 / 3:
            t["alpha"], t["theta"] = float(rng.uniform(0.3, 0.7)), float(rng.uniform(1.0, 3.0))
        transforms[k] = t
    return {
        "seed": int(rng.integers(0, 2**31 - 1)),
        "weeks": weeks,
        "start": str(
            (pd.Timestamp(DEFAULT_START) - pd.Timedelta(weeks=int(rng.integers(0, 105)))).date()
        ),
        "noise": float(rng.uniform(0.03, 0.12)),
        "channels": keys,
        "roi": roi,
        "share": share,
        "zero_effect": zero,
        "null_channels": [k for k in (zero, second) if k is not None],
        "confounded": confounded,
        "chinese": bool(rng.random() < 0.2),
        "transforms": transforms,
        "budget_loading": {k: float(rng.uniform(0.0, 1.0)) for k in paid},
        "budget_ramp": {k: float(rng.uniform(-0.25, 0.6)) for k in keys if k in PAID or k in OWNED},
        # own stream, so adding it left every other draw of the family as it was
        "organic": float(np.random.default_rng([family_seed, index, 17]).uniform(0.15, 1.0)),
    }


def _modulate(settings: dict[str, Any], rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Weekly budget factors: ``exp(loading · shared cycle + ramp · years)`` per channel."""
    n = settings["weeks"]
    e = rng.normal(0.0, 0.25 * np.sqrt(1 - 0.85**2), n)
    cycle = np.empty(n)
    cycle[0] = rng.normal(0.0, 0.25)
    for i in range(1, n):
        cycle[i] = 0.85 * cycle[i - 1] + e[i]
    years = np.arange(n) / 52.0
    return {
        k: np.exp(settings["budget_loading"].get(k, 0.0) * cycle + ramp * years)
        for k, ramp in settings["budget_ramp"].items()
        if k != settings["confounded"]
    }


def family_brand(index: int, family_seed: int = 0) -> FamilyBrand:
    """Brand ``index`` of the family ``family_seed``: the same brand every time."""
    if index < 0:
        raise ValueError(f"index == {index}, must be >= 0.")
    s = draw_settings(index, family_seed)
    modulate = _modulate(s, np.random.default_rng([family_seed, index, 16]))
    brand = generate(
        seed=s["seed"],
        weeks=s["weeks"],
        start=s["start"],
        channels=s["channels"],
        zero_effect=s["zero_effect"],
        confounded=s["confounded"],
        chinese=s["chinese"],
        roi=s["roi"],
        share=s["share"],
        noise=s["noise"],
        transforms=s["transforms"],
        modulate=modulate,
        organic=s["organic"],
    )
    return FamilyBrand(f"brand_{index:02d}", index, family_seed, s, brand)


def brand_family(n: int, family_seed: int = 0) -> list[FamilyBrand]:
    """The first ``n`` brands of the family ``family_seed``."""
    if n < 1:
        raise ValueError(f"n == {n}, must be >= 1.")
    return [family_brand(i, family_seed) for i in range(n)]
