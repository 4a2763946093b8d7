"""tapegrad from Python: micrograd's API on tapegrad's Rust tape.

``Value`` is micrograd's scalar with the same operators and methods; ``tapegrad.nn`` has
micrograd's ``Neuron``, ``Layer`` and ``MLP``, whose forward pass runs in Rust. Beyond
micrograd: ``Value.draw()`` (and inline pictures in Jupyter), ``trace(value)``, the command
line's ``grad``/``hessian``/``check``, and ``Tensor`` to and from NumPy.
"""

from __future__ import annotations

from typing import Dict

from . import _core
from ._core import Tensor, Value, check, grad, hessian, make_moons
from ._trace import Trace

__all__ = [
    "Value",
    "Tensor",
    "Trace",
    "trace",
    "grad",
    "hessian",
    "check",
    "make_moons",
    "tape_stats",
    "collect",
]


def trace(value: Value) -> Trace:
    """The step-by-step backward pass of ``value``: a table in a terminal (``print``), an
    HTML table in Jupyter. Every step shows the upstream gradient arriving at a node, the local
    partial of each input with its rule, what is sent and what has accumulated."""
    return Trace(_core.trace_of(value))


def tape_stats() -> Dict[str, int]:
    """``{"referenced": …, "nodes": …}``: the nodes this thread's Python objects hold, and the
    nodes on this thread's tape (those and everything they were computed from, plus garbage
    not yet freed)."""
    referenced, nodes = _core.tape_counts()
    return {"referenced": referenced, "nodes": nodes}


def collect() -> int:
    """Frees every node no live ``Value``/``Tensor`` depends on now (this also happens by
    itself as the tape grows); returns the nodes left on this thread's tape."""
    return _core.collect()

