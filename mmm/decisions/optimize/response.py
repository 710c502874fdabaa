"""Posterior response of a plan: media effect per sample over the horizon, with gradients.

A plan is one total per *cell*: a paid channel in one region, or a channel bought nationally
(its spend goes to every region in fixed shares). A national model has one cell per paid
channel. :class:`Response` values the cells' totals through the linearity of adstock
(``A + X × B`` per region and channel), so that values and exact gradients (the saturation
curves' closed-form slopes) are cheap; it equals :func:`mmm.model.forward.simulate` summed
(tested).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from mmm.model.forward import (
    adstock_series,
    channel_saturation,
    channel_saturation_slope,
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

    Adstock is linear, so a paid channel's adstocked input in region ``g`` is
    ``A + X_gc × B_gc`` (A: history and fixed activity, B: the plan's shape per unit of spend,
    X: the spend the plan puts in that region). Channels no plan changes (owned) are saturated
    once; per plan only the paid channels and the earned path they feed are evaluated, with
    exact derivatives (each saturation curve's closed form).
    """

    def __init__(self, result: FitResult, prob: Problem, params: dict[str, np.ndarray]) -> None:
        design = self.design = result.design
        self.prob, self.p = prob, params
        self.kpi = design.kpi_scale  # (G,)
        lag, s = design.max_lag, params["beta"].shape[0]
        self.weights = lag_weights(np, design, params)  # (S, C, L)
        hist = result.dataset.data["activity"].values / design.input_scale
        fixed = prob.fixed / design.input_scale
        lagged = lag_matrix(fixed, lag, history=hist if lag > 1 else None)  # (n, G, C, L)
        a = np.einsum("tgcl,scl->stgc", lagged, self.weights)
        sat_fixed = np.empty_like(a)
        self.groups = []  # saturation of the paid channels: (positions among them, transform, params)
        for g in design.saturation_groups:
            prm = {k: params[g.param_name(k)][:, None, None, :] for k in g.transform.params}
            sat_fixed[..., g.index] = g.transform.apply(np, a[..., g.index], **prm)
            paid = np.isin(g.index, prob.index)
            pos = np.searchsorted(prob.index, g.index[paid])
            self.groups.append((pos, g.transform, {k: v[..., paid] for k, v in prm.items()}))
        self.a, self.beta = a[..., prob.index], params["beta"][:, :, prob.index]  # (S,n,G,P), (S,G,P)
        owned = np.array([m == "owned" for m in design.media])  # not changed by any plan
        self.base = np.einsum("stgc,sgc,g->s", sat_fixed, params["beta"] * owned, self.kpi)
        t_future = design.future_t(prob.n)
        self.earned = []
        for e, sources in design.earned.items():
            if not sources:
                continue  # an earned channel without sources does not depend on the plan
            ei, gain = design.index(e), params[f"{e}_gain"]
            m = organic_mentions(params, e, t_future)  # (S, n, G); + what owned sources generate
            links = []  # (source k, paid position j)
            for k, c in enumerate(design.index(src) for src in sources):
                if c in prob.index:
                    links.append((k, int(np.searchsorted(prob.index, c))))
                else:
                    m = m + gain[:, k, None, None] * sat_fixed[..., c]
            m_hist = np.broadcast_to(design.x[len(design.x) - lag + 1 :, :, ei], (s, lag - 1, design.n_geos))
            we = channel_weights(np, design, params, e)
            self.earned.append((e, ei, links, gain, m, m_hist, we))

    def grid(self, x: np.ndarray) -> np.ndarray:
        """Spend per region and paid channel (G, P) of cell totals ``x`` (K,)."""
        return np.einsum("k,kg,kp->gp", x, self.prob.unit, self.prob.cell_onehot)

    def basis(self, shape: np.ndarray) -> np.ndarray:
        """B (sample, period, geo, paid channel): adstocked scaled input per unit of regional spend."""
        prob, design = self.prob, self.design
        u = np.zeros((prob.n, design.n_geos, len(prob.index)))
        per_unit = prob.ratio / design.input_scale[:, prob.index]  # (G, P)
        u[prob.gap : prob.gap + len(shape)] = shape[:, None, :] * per_unit[None, :, :]
        lagged = lag_matrix(u, design.max_lag)
        return np.einsum("tgpl,spl->stgp", lagged, self.weights[:, prob.index])

    def _sat(self, z: np.ndarray, grad: bool) -> tuple[np.ndarray, np.ndarray]:
        """Saturated paid inputs ``z`` and (with ``grad``) their elementwise derivative."""
        if len(self.groups) == 1:  # one saturation family for every paid channel
            _, tr, prm = self.groups[0]
            return tr.value_and_slope(z, **prm) if grad else (tr.apply(np, z, **prm), np.zeros(0))
        out = np.empty_like(z)
        slope = np.empty_like(z) if grad else np.zeros(0)
        for pos, tr, prm in self.groups:
            if grad:
                out[..., pos], slope[..., pos] = tr.value_and_slope(z[..., pos], **prm)
            else:
                out[..., pos] = tr.apply(np, z[..., pos], **prm)
        return out, slope

    def evaluate(
        self, x: np.ndarray, b: np.ndarray, grad: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """Media effect (currency) of cell totals ``x``: per sample (S,) and, with ``grad``, d/dx (S, K)."""
        kpi, lag, design = self.kpi, self.design.max_lag, self.design
        spend = self.grid(x)  # (G, P)
        sat, dsat = self._sat(self.a + b * spend, grad)
        total = self.base + np.einsum("stgp,sgp,g->s", sat, self.beta, kpi)
        g = (
            kpi[None, :, None] * self.beta * np.einsum("stgp,stgp->sgp", dsat, b)
            if grad
            else np.zeros_like(self.beta)
        )
        for e, ei, links, gain, m_fixed, m_hist, we in self.earned:
            m = m_fixed + sum(
                (gain[:, k, None, None] * sat[..., j] for k, j in links), np.zeros_like(m_fixed)
            )
            ze = adstock_series(np, np.concatenate([m_hist, m], axis=1), we, lag)[:, -self.prob.n :]
            if grad:
                se, dse = channel_saturation_slope(design, self.p, e, ze)
            else:
                se = channel_saturation(np, design, self.p, e, ze)
            beta_e = self.p["beta"][:, None, :, ei]  # (S, 1, G)
            total = total + ((beta_e * se).sum(axis=1) * kpi).sum(axis=-1)
            for k, j in links if grad else ():
                q = gain[:, k, None, None] * dsat[..., j] * b[..., j]
                g[:, :, j] += kpi * (beta_e * dse * adstock_series(np, q, we, lag)).sum(axis=1)
        if not grad:
            return total, np.zeros((len(total), len(x)))
        return total, np.einsum("sgp,kg,kp->sk", g, self.prob.unit, self.prob.cell_onehot)
