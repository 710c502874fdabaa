"""MediaMixModel: fit a dataset and return a :class:`~mmm.analysis.results.FitResult`.

Fitting is where analysis starts: :mod:`mmm.model` describes the model (spec, design, PyMC
graph) and samples it; this class runs those steps on a dataset and wraps the draws in the
result every analysis, decision and report reads. It lives here, not in :mod:`mmm.model`, so
that the model layer never depends on the result type built on top of it.
"""

from __future__ import annotations

import time
import uuid
import warnings
from contextlib import nullcontext
from typing import TYPE_CHECKING, Any

from mmm import _progress
from mmm.analysis.persist import design_features, library_versions
from mmm.analysis.results import FitResult
from mmm.data.dataset import MMMDataset
from mmm.exceptions import ApproximationWarning, ConfigWarning, ConvergenceWarning
from mmm.model.design import Design
from mmm.model.graph import build_pymc_model, check_lift_tests, param_names
from mmm.model.sample import fit_map, sample_posterior
from mmm.model.spec import ModelSpec

if TYPE_CHECKING:
    import pymc as pm


class MediaMixModel:
    """Bayesian media-mix model. ``fit`` returns a new :class:`~mmm.analysis.results.FitResult`.

    Parameters
    ----------
    spec : ModelSpec, optional
        Modelling and sampler choices. Without one, ``fit`` uses the dataset's channel map:
        :meth:`ModelSpec.from_channel_map` (its ``[model]`` table over ModelSpec's defaults:
        geometric adstock, Hill saturation, linear trend, two yearly Fourier modes, nutpie
        with 4 × 1000 draws), exactly as ``mmm fit`` does. A spec that disagrees with the
        map's ``[model]`` table is used as given, with a warning naming the settings.

    Examples
    --------
    >>> from mmm.data.synthetic import generate
    >>> from mmm.data.load import from_dataframe
    >>> brand = generate(seed=0, weeks=104)
    >>> ds = from_dataframe(brand.data, brand.channel_map)
    >>> result = MediaMixModel(ModelSpec(chains=2, draws=100, tune=100, progress=False)).fit(ds)  # doctest: +SKIP
    >>> result.roi().to_dataframe().head()  # doctest: +SKIP
    """

    def __init__(self, spec: ModelSpec | None = None) -> None:
        self.spec = spec

    def spec_for(self, dataset: MMMDataset) -> ModelSpec:
        """The spec ``fit`` uses on ``dataset`` (see the class docstring), with the defaults that
        depend on the data filled in (:meth:`ModelSpec.resolved`: tuning steps of a panel)."""
        cmap = dataset.channel_map
        if self.spec is None:
            return ModelSpec.from_channel_map(cmap).resolved(dataset.is_panel)
        differ = {k: v for k, v in cmap.model.items() if getattr(self.spec, k) != v}
        if differ:
            listed = ", ".join(
                f"{k} = {v!r} (spec: {getattr(self.spec, k)!r})" for k, v in differ.items()
            )
            warnings.warn(
                f"The channel map's [model] table sets {listed}; the ModelSpec given wins. "
                "Use ModelSpec.from_channel_map(ds.channel_map, ...) to start from the map.",
                ConfigWarning,
                stacklevel=3,
            )
        return self.spec.resolved(dataset.is_panel)

    def build(self, dataset: MMMDataset) -> pm.Model:
        """The PyMC model for ``dataset`` (for inspection; ``fit`` builds its own)."""
        design = Design.build(dataset, self.spec_for(dataset))
        check_lift_tests(design)
        return build_pymc_model(design)

    def fit(self, dataset: MMMDataset) -> FitResult:
        """Sample the posterior and return an immutable FitResult.

        Long steps (compiling, sampling) say what they are doing on stderr, or in a notebook
        as a live line (:mod:`mmm._progress`); ``ModelSpec(progress=False)`` silences them.
        """
        spec = self.spec_for(dataset)
        with nullcontext() if spec.progress else _progress.quiet():
            return self._fit(dataset, spec)

    def _fit(self, dataset: MMMDataset, spec: ModelSpec) -> FitResult:
        design = Design.build(dataset, spec)
        check_lift_tests(design)
        t0 = time.perf_counter()
        model = build_pymc_model(design)
        keep = param_names(model)
        # a fit's identity: files derived from it (a saved budget plan) record it
        info: dict[str, Any] = {"fit_id": uuid.uuid4().hex, "build_s": time.perf_counter() - t0}
        if spec.method == "map":
            posterior, stats = fit_map(model, keep, spec)
            warnings.warn(
                "method='map' gives a point estimate (maximum a posteriori) with no uncertainty; "
                "use it for previews only, not for budget decisions.",
                ApproximationWarning,
                stacklevel=2,
            )
        else:
            posterior, stats, timing = sample_posterior(
                model, keep, spec, key=(design.structure(), tuple(keep)), panel=design.is_panel
            )
            info.update(timing)
        info["fit_s"] = time.perf_counter() - t0
        # Free parameters are kept in single precision: 7 significant digits is far below Monte
        # Carlo error, and it halves the saved result. Deterministics (beta, earned gains) stay
        # in double precision: in extreme draws they exceed float32's range and would become inf.
        free = {v.name for v in model.free_RVs}
        posterior = posterior.assign(
            {k: v.astype("float32") for k, v in posterior.data_vars.items() if k in free}
        )
        info["versions"] = library_versions()
        result = FitResult(
            posterior=posterior,
            sample_stats=stats,
            dataset=dataset,
            spec=spec,
            info=info,
            features=design_features(design),  # kept with the result: see mmm.analysis.persist
        )
        if spec.method == "mcmc":
            conv = result.convergence()  # kept: diagnostics() reuses it
            if conv.status == "FAIL":
                warnings.warn(
                    "The sampler did not converge — do not use these estimates as they are.\n"
                    + str(conv),
                    ConvergenceWarning,
                    stacklevel=2,
                )
        return result
