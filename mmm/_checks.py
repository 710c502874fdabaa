"""PASS / REVIEW / FAIL checks shared by the data (EDA) and fit diagnostics stages."""

from __future__ import annotations

import html
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

Status = Literal["PASS", "REVIEW", "FAIL"]
_ORDER = {"PASS": 0, "REVIEW": 1, "FAIL": 2}


@dataclass(frozen=True)
class Check:
    """One named check: its status, what was found, what to do, and the numbers behind it."""

    name: str
    status: Status
    message: str
    recommendation: str = ""
    values: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "message": self.message,
            "recommendation": self.recommendation,
            "values": dict(self.values),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Check:
        """The check :meth:`to_dict` wrote (JSON's ``null`` numbers back to NaN)."""
        values = {k: float("nan") if v is None else v for k, v in d.get("values", {}).items()}
        return cls(d["name"], d["status"], d["message"], d.get("recommendation", ""), values)


@dataclass(frozen=True)
class Checks:
    """An ordered set of checks with an overall status (the worst of them).

    Prints as text, renders as HTML in notebooks, and converts to a DataFrame.
    """

    checks: tuple[Check, ...]
    title: str = "Checks"

    def __iter__(self) -> Iterator[Check]:
        return iter(self.checks)

    def __len__(self) -> int:
        return len(self.checks)

    def __getitem__(self, name: str) -> Check:
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(f"no check named {name!r}; have {[c.name for c in self.checks]}")

    @property
    def status(self) -> Status:
        """Worst status over all checks (PASS when there are none)."""
        worst: Status = "PASS"
        for c in self.checks:
            if _ORDER[c.status] > _ORDER[worst]:
                worst = c.status
        return worst

    @property
    def failed(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.status == "FAIL")

    def to_dataframe(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    "check": c.name,
                    "status": c.status,
                    "message": c.message,
                    "recommendation": c.recommendation,
                }
                for c in self.checks
            ]
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "status": self.status,
            "checks": [c.to_dict() for c in self.checks],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Checks:
        """The checks :meth:`to_dict` wrote (e.g. ``diagnostics.json`` of a run directory).

        >>> c = Checks((Check("rhat", "PASS", "ok", values={"max": 1.0}),), title="Convergence")
        >>> Checks.from_dict(c.to_dict()) == c
        True
        """
        return cls(tuple(Check.from_dict(c) for c in d["checks"]), d.get("title", "Checks"))

    def __str__(self) -> str:
        lines = [f"{self.title}: {self.status}"]
        for c in self.checks:
            lines.append(f"  [{c.status:<6}] {c.name}: {c.message}")
            if c.recommendation and c.status != "PASS":
                lines.append(f"           → {c.recommendation}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        colours = {"PASS": "#1a7f37", "REVIEW": "#9a6700", "FAIL": "#cf222e"}
        rows = "".join(
            f"<tr><td>{html.escape(c.name)}</td>"
            f"<td style='color:{colours[c.status]};font-weight:600'>{c.status}</td>"
            f"<td>{html.escape(c.message)}</td><td>{html.escape(c.recommendation)}</td></tr>"
            for c in self.checks
        )
        return (
            f"<div><strong>{html.escape(self.title)}: "
            f"<span style='color:{colours[self.status]}'>{self.status}</span></strong>"
            "<table><thead><tr><th>check</th><th>status</th><th>finding</th><th>recommendation</th>"
            f"</tr></thead><tbody>{rows}</tbody></table></div>"
        )
