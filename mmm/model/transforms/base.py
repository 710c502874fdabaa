"""Base class, prior description and registry lookup for transforms."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from mmm.exceptions import ConfigError


@dataclass(frozen=True)
class Prior:
    """A PyMC distribution by name with its keyword arguments, e.g. ``Prior("Beta", alpha=1, beta=3)``."""

    dist: str
    kwargs: Mapping[str, float] = field(default_factory=dict)

    def __init__(self, dist: str, **kwargs: float) -> None:
        object.__setattr__(self, "dist", dist)
        object.__setattr__(self, "kwargs", dict(kwargs))

    def create(self, name: str, dims: str | tuple[str, ...] | None = None) -> Any:
        """Create the PyMC random variable (inside a model context)."""
        import pymc as pm

        return getattr(pm, self.dist)(name, dims=dims, **self.kwargs)

    def to_dict(self) -> dict[str, Any]:
        return {"dist": self.dist, **self.kwargs}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Prior:
        d = dict(d)
        return cls(d.pop("dist"), **d)


class Transform:
    """A named transform with parameters and default priors.

    Subclasses set ``name``, ``params`` (name → default :class:`Prior`) and implement
    ``apply``. ``__init_subclass__`` checks the declaration so a broken transform fails
    at import, not mid-fit.
    """

    name: ClassVar[str]
    kind: ClassVar[str]
    params: ClassVar[Mapping[str, Prior]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        declared = cls.__dict__.get("params")
        if "name" in cls.__dict__ and (
            not isinstance(declared, Mapping)
            or not all(isinstance(p, Prior) for p in declared.values())
        ):
            raise TypeError(
                f"{cls.__name__} must declare `params`, mapping parameter names to Prior objects"
            )

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name}


def get_transform(registry: Mapping[str, type[Transform]], name: str, kind: str) -> type[Transform]:
    """Look ``name`` up in a registry, with an error listing what is allowed."""
    try:
        return registry[name]
    except KeyError:
        raise ConfigError(
            f"Unknown {kind} {name!r}; allowed: {', '.join(sorted(registry))}."
        ) from None
