"""Posterior response of a plan: media effect per sample over the horizon, with gradients.

:class:`Response` values the paid channels' totals of a plan through the linearity of
adstock (``A + x × B``), so that values and exact gradients (complex step) are cheap; it
equals :func:`mmm.analysis.attribution.simulate_window` summed (tested).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from mmm.model.forward import (
    adstock_series,
    channel_saturation,
    channel_weights,
    lag_weights,
    organic_mentions,
)
from mmm.model.transforms import lag_matrix

if TYPE_CHECKING:
    from mmm.analysis.results import FitResult
    from mmm.decisions.optimize.scenario import Problem


# ---------------------------------------------------------------------- response
class Response:
    """Posterior media effect of plans over the horizon, per sample, with gradients.

    Adstock is linear, so a paid channel's adstocked input is ``A + x_c × B_c`` (A: history
    and fixed activity, B: the plan's shape per unit of spend). Channels no plan changes
    (owned) are saturated once; per plan only the paid channels and the earned path they
    feed are evaluated, with exact derivatives by the complex step.
    """

    def __init__(self, result: FitResult, prob: Problem, params: dict[str, np.ndarray]) -> None:
        design = self.design = result.design
        self.prob, self.p, self.kpi = prob, params, design.kpi_scale
        lag, s = design.max_lag, params["beta"].shape[0]
        self.weights = lag_weights(np, design, params)  # (S, C, L)
        hist = result.dataset.data["activity"].values / design.input_scale
        lagged = lag_matrix(prob.fixed / design.input_scale, lag, history=hist if lag > 1 else None)
        a = np.einsum("tcl,scl->stc", lagged, self.weights)
        sat_fixed = np.empty_like(a)
        self.groups = []  # saturation of the paid channels: (positions among them, transform, params)
        for g in design.saturation_groups:
            prm = {k: params[g.param_name(k)][:, None, :] for k in g.transform.params}
            sat_fixed[..., g.index] = g.transform.apply(np, a[..., g.index], **prm)
            paid = np.isin(g.index, prob.index)
            pos = np.searchsorted(prob.index, g.index[paid])
            self.groups.append((pos, g.transform, {k: v[..., paid] for k, v in prm.items()}))
        self.a, self.beta = a[:, :, prob.index], params["beta"][:, prob.index]
        owned = np.array([m == "owned" for m in design.media])  # not changed by any plan
        self.base = self.kpi * np.einsum("stc,sc->s", sat_fixed, params["beta"] * owned)
        t_future = design.future_t(prob.n)
        self.earned = []
        for e, sources in design.earned.items():
            if not sources:
                continue  # an earned channel without sources does not depend on the plan
            ei, gain = design.index(e), params[f"{e}_gain"]
            m = organic_mentions(params, e, t_future)  # + what owned sources generate, below
            links = []  # (source k, paid position j)
            for k, c in enumerate(design.index(src) for src in sources):
                if c in prob.index:
                    links.append((k, int(np.searchsorted(prob.index, c))))
                else:
                    m = m + gain[:, k : k + 1] * sat_fixed[:, :, c]
            m_hist = np.broadcast_to(design.x[len(design.x) - lag + 1 :, ei], (s, lag - 1))
            we = channel_weights(np, design, params, e)
            self.earned.append((e, ei, links, gain, m, m_hist, we))

    def basis(self, shape: np.ndarray) -> np.ndarray:
        """B (sample, period, paid channel): adstocked scaled input per unit of spend."""
        prob, design = self.prob, self.design
        u = np.zeros((prob.n, len(prob.index)))
        u[prob.gap : prob.gap + len(shape)] = shape * prob.ratio / design.input_scale[prob.index]
        lagged = lag_matrix(u, design.max_lag)
        return np.einsum("tcl,scl->stc", lagged, self.weights[:, prob.index])

    def _sat(self, z: np.ndarray) -> np.ndarray:
        if len(self.groups) == 1:  # one saturation family for every paid channel
            _, tr, prm = self.groups[0]
            return tr.apply(np, z, **prm)
        out = np.empty_like(z)
        for pos, tr, prm in self.groups:
            out[..., pos] = tr.apply(np, z[..., pos], **prm)
        return out

    def evaluate(
        self, x: np.ndarray, b: np.ndarray, grad: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """Media effect (currency) of plan totals ``x``: per sample (S,) and, with ``grad``, d/dx (S, P)."""
        kpi, lag, design = self.kpi, self.design.max_lag, self.design
        sat, dsat = _with_slope(self._sat, self.a + b * x, grad)
        total = self.base + kpi * np.einsum("stc,sc->s", sat, self.beta)
        g = (
            kpi * self.beta * np.einsum("stc,stc->sc", dsat, b)
            if grad
            else np.zeros_like(self.beta)
        )
        for e, ei, links, gain, m_fixed, m_hist, we in self.earned:
            m = m_fixed + sum(
                (gain[:, k : k + 1] * sat[:, :, j] for k, j in links), np.zeros_like(m_fixed)
            )
            ze = adstock_series(np, np.concatenate([m_hist, m], axis=1), we, lag)[:, -self.prob.n :]
            se, dse = _with_slope(partial(channel_saturation, np, design, self.p, e), ze, grad)
            beta_e = self.p["beta"][:, ei : ei + 1]
            total = total + kpi * (beta_e * se).sum(axis=1)
            for k, j in links if grad else ():
                q = gain[:, k : k + 1] * dsat[:, :, j] * b[:, :, j]
                g[:, j] += kpi * (beta_e * dse * adstock_series(np, q, we, lag)).sum(axis=1)
        return total, g


def _with_slope(
    f: Callable[[np.ndarray], np.ndarray], z: np.ndarray, grad: bool
) -> tuple[np.ndarray, np.ndarray]:
    """A saturation curve's values and (with ``grad``) elementwise derivative by the complex step."""
    if not grad:
        return f(z), np.zeros(0)
    with np.errstate(all="ignore"):
        out = f(z + 1e-30j)
    d = out.imag / 1e-30
    return out.real, np.where(np.isfinite(d), d, 0.0)
