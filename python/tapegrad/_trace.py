"""The backward trace of a Value, as text for a terminal and HTML for Jupyter."""

from __future__ import annotations

import html
import json
from typing import Any, Dict, List

from . import _core


def _num(x: Any) -> str:
    if x is None:
        return ""
    if isinstance(x, str):  # "inf", "-inf", "nan" in the JSON
        return x
    return f"{x:.6g}"


def _table(caption: str, header: List[str], rows: List[List[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    return (
        f"<table><caption>{html.escape(caption)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


class Trace:
    """The backward pass of one value, step by step (see ``tapegrad.trace``)."""

    def __init__(self, data: _core.TraceData) -> None:
        self._data = data
        self.json: Dict[str, Any] = json.loads(data.json())
        """The trace as data: ``forward``, ``steps`` and ``gradients`` lists."""

    def __str__(self) -> str:
        return self._data.text()

    def __repr__(self) -> str:
        return self._data.text()

    def text(self, ascii: bool = False) -> str:
        """The aligned table (Unicode rules, or ASCII only)."""
        return self._data.text(ascii)

    def markdown(self) -> str:
        """The trace as Markdown tables."""
        return self._data.markdown()

    def _repr_html_(self) -> str:
        t = self.json
        forward = [
            [n["id"], n["name"] or "", n["op"], n["computes"], _num(n["value"])]
            for n in t["forward"]
        ]
        steps: List[List[str]] = []
        for s in t["steps"]:
            for k, c in enumerate(s["inputs"]):
                first = k == 0
                steps.append(
                    [
                        str(s["step"]) if first else "",
                        f'{s["node"]} ({s["op"]})' if first else "",
                        _num(s["upstream"]) if first else "",
                        c["input"],
                        c["rule"],
                        _num(c["partial"]),
                        _num(c["sent"]),
                        _num(c["accumulated"]),
                    ]
                )
        grads = [[g["id"], g["name"] or "", _num(g["value"]), _num(g["grad"])] for g in t["gradients"]]
        return (
            '<div class="tapegrad-trace">'
            + _table("forward", ["node", "name", "op", "computes", "value"], forward)
            + _table(
                f'backward from {t["loss"]}',
                ["step", "node", "upstream", "input", "rule", "local ∂", "sent", "accumulated"],
                steps,
            )
            + _table("gradients", ["node", "name", "value", "grad"], grads)
            + "</div>"
        )
