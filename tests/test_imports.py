"""The package's import graph has no cycle, counting the imports inside functions too.

A circle of imports works only as long as every module in it is imported in one particular order
or defers one import into a function; the next refactoring breaks it. The graph is read from the
source (``ast``), so a deferred import counts like any other; imports under ``TYPE_CHECKING`` are
never executed and do not count.
"""

from __future__ import annotations

import ast
from pathlib import Path

import mtl_lessons

PACKAGE = Path(mtl_lessons.__file__).parent


def module_names() -> dict[str, Path]:
    """Every module of mtl_lessons by its dotted name (a package by its own name)."""
    names = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return names


def executed_imports(node: ast.AST):
    """The Import and ImportFrom nodes under ``node``, leaving out those under ``if TYPE_CHECKING:``."""
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        yield node
    for child in ast.iter_child_nodes(node):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test) and child in node.body:
            continue
        yield from executed_imports(child)


def import_graph() -> dict[str, set[str]]:
    """``{module: the mtl_lessons modules it imports}``, each import resolved to the module it loads."""
    modules = module_names()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets = set()
        for node in executed_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
                continue
            base = node.module or ""
            if node.level:  # a relative import: from .x import y
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:  # `from pkg import module` loads that module, else pkg itself
                submodule = f"{base}.{alias.name}"
                targets.add(submodule if submodule in modules else base)
        graph[name] = {t for t in targets if t in modules and t != name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a list of modules (first == last), or None (depth-first search)."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node], stack[len(stack):] = "open", [node]
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                return stack[stack.index(target):] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        state[node] = "done"
        stack.pop()
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_the_graph_reader_finds_a_circle_and_skips_type_checking_imports():
    source = "import a\nif TYPE_CHECKING:\n    import b\nelse:\n    import c\ndef f():\n    from d import e\n"
    found = [alias.name for node in executed_imports(ast.parse(source)) for alias in node.names]
    assert sorted(found) == ["a", "c", "e"]
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None
    read = import_graph()
    assert "mtl_lessons.torch.training" in read["mtl_lessons.torch"]  # __init__ imports it
    assert "mtl_lessons.torch.losses" in read["mtl_lessons.torch.training"]
    assert "mtl_lessons.torch.weighting.fixed" in read["mtl_lessons.torch.weighting"]


def test_mtl_lessons_imports_no_circle():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import circle: " + " -> ".join(cycle)
