"""micrograd's ``nn`` module on tapegrad: ``Neuron``, ``Layer``, ``MLP``.

The constructors draw their weights from Python's ``random.uniform(-1, 1)`` in micrograd's
order, so with the same ``random.seed`` a model starts from micrograd's exact weights. Calling a
module runs its whole forward pass in Rust (one call, not one per multiply) and returns
``Value``s, one when the last layer has a single neuron, else a list, as micrograd does.
"""

from __future__ import annotations

import random
from typing import Iterable, List, Optional, Sequence, Union

from ._core import Plan, Value

Input = Union[Value, float, int]
Output = Union[Value, List[Value]]


class Module:
    """micrograd's base class: ``parameters()`` and ``zero_grad()``."""

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = 0

    def parameters(self) -> List[Value]:
        return []


class _Planned(Module):
    """A module whose forward pass is one ``Plan`` call; subclasses list its layers."""

    def _plan_layers(self) -> List[List[tuple]]:
        return []

    def __call__(self, x: Iterable[Input]) -> Output:
        # The plan is built on the first call from the parameters as they are then; the
        # parameters' values may change freely (``p.data -= …``), but replacing the Value
        # objects in ``w``/``neurons`` after the first call is not seen by it.
        plan: Optional[Plan] = self.__dict__.get("_plan")
        if plan is None:
            plan = Plan(self._plan_layers())
            self._plan = plan
        return plan(x)


class Neuron(_Planned):
    def __init__(self, nin: int, nonlin: bool = True) -> None:
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0)
        self.nonlin = nonlin

    def _plan_layers(self) -> List[List[tuple]]:
        return [[(self.w, self.b, self.nonlin)]]

    def parameters(self) -> List[Value]:
        return self.w + [self.b]

    def __repr__(self) -> str:
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({len(self.w)})"


class Layer(_Planned):
    def __init__(self, nin: int, nout: int, **kwargs: bool) -> None:
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def _plan_layers(self) -> List[List[tuple]]:
        return [[(n.w, n.b, n.nonlin) for n in self.neurons]]

    def parameters(self) -> List[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(_Planned):
    def __init__(self, nin: int, nouts: Sequence[int]) -> None:
        sz = [nin] + list(nouts)
        self.layers = [
            Layer(sz[i], sz[i + 1], nonlin=i != len(nouts) - 1) for i in range(len(nouts))
        ]

    def _plan_layers(self) -> List[List[tuple]]:
        return [layer._plan_layers()[0] for layer in self.layers]

    def parameters(self) -> List[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
