"""What a long step is doing, for the person waiting: a line on stderr, or a live line in a notebook.

Every step that can take seconds (compiling, sampling, identifiability, writing the report)
runs inside :func:`step`, which says when it starts and how it ended::

    mmm: compiling the model …
    mmm:   first run on this machine: compiling numerical kernels, a minute or two, once
    mmm: compiling the model: compiled, cached (48.1 s)

Lines go to **stderr**, so what a command prints on stdout (tables, paths) stays clean for
pipes. In a Jupyter notebook the same text is one HTML block, updated in place. Inside
:func:`quiet` (``mmm … --quiet``, ``ModelSpec(progress=False)``) nothing is shown.

>>> with quiet(), step("counting") as s:
...     s.outcome("done")
"""

from __future__ import annotations

import html
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_QUIET: ContextVar[bool] = ContextVar("mmm_progress_quiet", default=False)

PREFIX = "mmm: "


@contextmanager
def quiet(on: bool = True) -> Iterator[None]:
    """Silence (``on``) or allow progress inside the ``with`` block (this thread/task only)."""
    token = _QUIET.set(on)
    try:
        yield
    finally:
        _QUIET.reset(token)


def is_quiet() -> bool:
    """Whether progress is silenced here."""
    return _QUIET.get()


class Step:
    """A running step: :meth:`note` adds a line now, :meth:`outcome` words its end."""

    def __init__(self, message: str, show: bool) -> None:
        self.message = message
        self.started = time.perf_counter()
        self._show = show
        self._outcome = ""
        self._lines: list[str] = []
        self._said: set[str] = set()
        self._display: Any = _notebook_display() if show else None
        self._emit(f"{message} …")

    def note(self, text: str) -> None:
        """Say something about the step while it runs (e.g. why it will take long); once."""
        if f"  {text}" not in self._said:
            self._emit(f"  {text}")

    def outcome(self, text: str) -> None:
        """How the step ended, shown with its time (e.g. ``"cache hit"``)."""
        self._outcome = text

    def finish(self, failed: bool = False) -> None:
        seconds = time.perf_counter() - self.started
        what = "failed" if failed else self._outcome
        self._emit(f"{self.message}: {what + ' ' if what else ''}({seconds:.1f} s)", final=True)

    def _emit(self, line: str, final: bool = False) -> None:
        self._said.add(line)
        if not self._show:
            return
        if self._display is None:
            print(PREFIX + line, file=sys.stderr, flush=True)
            return
        if final:
            self._lines[0] = line
        else:
            self._lines.append(line)
        body = "<br>".join(html.escape(x).replace("  ", "&nbsp;&nbsp;") for x in self._lines)
        mark = "&#10003;" if final else "&#8987;"
        self._display.update(_html(f"{mark} {body}"))


@contextmanager
def step(message: str) -> Iterator[Step]:
    """Run a long step, saying when it starts and how long it took (see the module docstring)."""
    s = Step(message, show=not is_quiet())
    try:
        yield s
    except BaseException:
        s.finish(failed=True)
        raise
    s.finish()


def _notebook_display() -> Any:
    """A live display handle when running in a Jupyter kernel, else None."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return None
    shell = ipython.get_ipython()
    if shell is None or type(shell).__name__ != "ZMQInteractiveShell":
        return None
    from IPython.display import display

    return display(_html(""), display_id=True)


def _html(body: str) -> Any:
    from IPython.display import HTML

    return HTML(f"<div style='font-family:monospace;font-size:90%'>{body}</div>")
