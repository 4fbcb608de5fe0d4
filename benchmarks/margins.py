"""How far a checked condition is from failing: the margin of an assert or a finding.

``make robustness`` rewrites every ``assert`` and every ``finding(...)`` of a chapter so that its
condition is evaluated by :func:`check`, which returns the truth of the condition and its
*margin*: how far the measured values are from the threshold, relative to their size. For
``a < b`` the margin is ``(b - a) / max(|a|, |b|)`` (the smallest over the elements of an array);
for ``np.isclose(a, b, atol=t)`` it is the unused part of the tolerance; ``and`` and ``all`` take
the smallest margin of their parts, ``or`` and ``any`` the largest. A negative margin means the
condition fails; a margin under 10 % means it holds, but a little noise would break it. Equality
and conditions of other shapes are checked without a margin (``None``).
"""

from __future__ import annotations

import ast
import builtins
import json
import operator
import os
from collections.abc import Mapping
from typing import Any

import numpy as np

FLAG_BELOW = 0.10  # margins under 10 % are flagged in the report

_ORDER = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge}
_OTHER = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.In: lambda a, b: a in b,
          ast.NotIn: lambda a, b: a not in b, ast.Is: operator.is_, ast.IsNot: operator.is_not}


class Checked:
    """A condition's truth and its margin (``None`` when the condition has no threshold)."""

    def __init__(self, holds: bool, margin: float | None) -> None:
        self.holds = bool(holds)
        self.margin = None if margin is None or not np.isfinite(margin) else float(margin)

    def __bool__(self) -> bool:
        return self.holds

    def __repr__(self) -> str:
        return f"Checked(holds={self.holds}, margin={self.margin})"


def _min(margins: list[float | None]) -> float | None:
    known = [m for m in margins if m is not None]
    return min(known) if known else None


def _max(margins: list[float | None]) -> float | None:
    known = [m for m in margins if m is not None]
    return max(known) if known else None


def _numeric(value: Any) -> np.ndarray | None:
    """``value`` as a float array, or None when it is not a number or an array of numbers."""
    if hasattr(value, "detach"):  # a torch tensor
        value = value.detach().cpu().numpy()
    if isinstance(value, bool | np.bool_):
        return None
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None
    return array if array.size else None


def _pair_margin(op: type, left: Any, right: Any) -> float | None:
    """Relative distance of ``left op right`` from its threshold, the smallest over elements."""
    a, b = _numeric(left), _numeric(right)
    if a is None or b is None:
        return None
    gap = (b - a) if op in (ast.Lt, ast.LtE) else (a - b)
    scale = np.maximum(np.abs(a), np.abs(b))
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = np.where(scale > 0, gap / np.where(scale > 0, scale, 1.0), 0.0)
    return float(np.min(relative))


class _Evaluator:
    """Evaluate an expression node by node where a margin can be read off, plainly elsewhere."""

    def __init__(self, namespace: dict[str, Any]) -> None:
        self.namespace = namespace

    def plain(self, node: ast.expr) -> Any:
        code = compile(ast.Expression(body=node), "<check>", "eval")
        return eval(code, self.namespace)  # noqa: S307 - the chapter's own condition

    def check(self, node: ast.expr) -> Checked:
        if isinstance(node, ast.BoolOp):
            parts = []
            for value in node.values:  # short-circuit as Python does
                part = self.check(value)
                parts.append(part)
                if isinstance(node.op, ast.And) and not part.holds:
                    break
                if isinstance(node.op, ast.Or) and part.holds:
                    break
            if isinstance(node.op, ast.And):
                return Checked(all(p.holds for p in parts), _min([p.margin for p in parts]))
            return Checked(any(p.holds for p in parts), _max([p.margin for p in parts]))
        if isinstance(node, ast.Compare):
            return self._compare(node)
        if isinstance(node, ast.Call):
            return self._call(node)
        value = self.plain(node)
        return Checked(bool(np.all(value)) if isinstance(value, np.ndarray) else bool(value), None)

    def _compare(self, node: ast.Compare) -> Checked:
        left = self.plain(node.left)
        holds, margins = True, []
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = self.plain(right_node)
            kind = type(op)
            result = (_ORDER.get(kind) or _OTHER[kind])(left, right)
            holds = holds and bool(np.all(result))
            margins.append(_pair_margin(kind, left, right) if kind in _ORDER else None)
            left = right
        return Checked(holds, _min(margins) if all(m is not None for m in margins) else None)

    def _call(self, node: ast.Call) -> Checked:
        name = ast.unparse(node.func)
        short = name.split(".")[-1]
        if short in ("all", "any") and len(node.args) == 1 and not node.keywords:
            return self._all_any(node.args[0], every=short == "all")
        if short in ("isclose", "allclose") and len(node.args) == 2:
            a, b = self.plain(node.args[0]), self.plain(node.args[1])
            options = {k.arg: self.plain(k.value) for k in node.keywords}
            holds = self.plain(node)
            x, y = _numeric(a), _numeric(b)
            if x is None or y is None:
                return Checked(bool(np.all(holds)), None)
            tolerance = options.get("atol", 1e-8) + options.get("rtol", 1e-5) * np.abs(y)
            margin = float(np.min((tolerance - np.abs(x - y)) / tolerance))
            return Checked(bool(np.all(holds)), margin)
        value = self.plain(node)
        if isinstance(value, Checked):
            return value
        return Checked(bool(np.all(value)) if isinstance(value, np.ndarray) else bool(value), None)

    def _all_any(self, argument: ast.expr, every: bool) -> Checked:
        combine = _min if every else _max
        if isinstance(argument, ast.GeneratorExp | ast.ListComp) and len(argument.generators) == 1:
            generator = argument.generators[0]
            parts = []
            for item in self.plain(generator.iter):
                inner = _Evaluator({**self.namespace})
                inner._bind(generator.target, item)
                if not all(inner.plain(c) for c in generator.ifs):
                    continue
                parts.append(inner.check(argument.elt))
            if every:
                return Checked(all(p.holds for p in parts), combine([p.margin for p in parts]))
            return Checked(any(p.holds for p in parts), combine([p.margin for p in parts]))
        inner = self.check(argument)
        value = self.plain(argument)
        holds = bool(np.all(value)) if every else bool(np.any(value))
        if isinstance(argument, ast.Compare) and not every:
            return Checked(holds, None)  # the largest element margin is not what `any` of a compare means
        return Checked(holds, inner.margin)

    def _bind(self, target: ast.expr, value: Any) -> None:
        if isinstance(target, ast.Name):
            self.namespace[target.id] = value
        elif isinstance(target, ast.Tuple | ast.List):
            for element, item in zip(target.elts, value, strict=True):
                self._bind(element, item)
        else:
            raise ValueError(f"cannot bind {ast.unparse(target)}")


def check(source: str, global_ns: Mapping[str, Any], local_ns: Mapping[str, Any]) -> Checked:
    """Evaluate the condition ``source`` in the given namespaces; return its truth and margin."""
    namespace = {**global_ns, **local_ns}
    node = ast.parse(source, mode="eval").body
    try:
        return _Evaluator(namespace).check(node)
    except Exception:  # an evaluation the margin reader cannot follow: evaluate it plainly
        value = eval(compile(source, "<check>", "eval"), namespace)  # noqa: S307
        return Checked(bool(np.all(value)) if isinstance(value, np.ndarray) else bool(value), None)


# --- what the rewritten notebook calls -------------------------------------------------------------

def _record(record: dict) -> None:
    report = os.environ.get("MTL_FINDINGS_REPORT")
    if report:
        with open(report, "a", encoding="utf-8") as out:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


def checked_assert(label: str, source: str, global_ns: Mapping[str, Any],
                   local_ns: Mapping[str, Any]) -> None:
    """Record one assert (held or not, with its margin) and go on, so that every assert is reported."""
    try:
        result = check(source, global_ns, local_ns)
        record = {"kind": "assert", "label": label, "holds": result.holds, "margin": result.margin}
    except Exception as error:  # noqa: BLE001 - an earlier failure left a name unset, say
        record = {"kind": "assert", "label": label, "holds": False, "margin": None,
                  "error": f"{type(error).__name__}: {error}"[:200]}
    _record(record)


class _AssertsToRecords(ast.NodeTransformer):
    """Turn each ``assert`` into a recorded check and give ``finding(...)`` conditions a margin."""

    def __init__(self, cell: int) -> None:
        self.cell = cell

    def visit_Assert(self, node: ast.Assert) -> ast.stmt:
        label = f"code cell {self.cell}, line {node.lineno}: assert {ast.unparse(node.test)}"
        call = ast.parse(f"__mtl_assert__({label!r}, {ast.unparse(node.test)!r}, globals(), locals())")
        return ast.copy_location(call.body[0], node)

    def visit_Call(self, node: ast.Call) -> ast.expr:
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id == "finding" and len(node.args) >= 2:
            condition = ast.unparse(node.args[1])
            node.args[1] = ast.parse(f"__mtl_check__({condition!r}, globals(), locals())", mode="eval").body
        return node


def rewrite(source: str, cell: int) -> str:
    """A code cell's source with its asserts recorded and its findings measured (unchanged if not Python)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:  # IPython magics: leave the cell as it is
        return source
    tree = ast.fix_missing_locations(_AssertsToRecords(cell).visit(tree))
    return ast.unparse(tree)


def install() -> None:
    """Make the two hooks visible in every cell and function of the kernel."""
    builtins.__mtl_assert__ = checked_assert
    builtins.__mtl_check__ = check
