"""The three layers import downwards only, and nothing imports in a circle.

``storage`` knows nothing of ``bot`` or ``handlers``; ``bot`` nothing of ``handlers``. Imports
under ``if TYPE_CHECKING:`` and inside functions count too: a cycle hidden there still ties the
layers together. The graph is read from the source with ``ast``, so a module that is never
imported at run time is checked as well.

The entry points are the one exception: ``bot.app`` is the composition root, the only place
that knows every part (``build_application`` registers the handlers), and ``bot.cli`` and
``bot.__main__`` start it. They may import ``handlers``; nothing else of ``bot`` may, and
only what starts or serves the bot imports them (the cycle test holds them too).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("storage", "bot", "handlers")
FORBIDDEN = {"storage": {"bot", "handlers"}, "bot": {"handlers"}, "handlers": set()}
# The composition root and the entry points that start it (see the module's docstring).
ENTRY_POINTS = frozenset({"bot.app", "bot.cli", "bot.__main__"})


def module_name(path: Path) -> str:
    """``bot/polls/service.py`` → ``bot.polls.service``; a package's ``__init__`` is the package."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    """Every module of the three layers, by dotted name."""
    return {
        module_name(path): path for layer in LAYERS for path in sorted((ROOT / layer).rglob("*.py"))
    }


def imported_names(path: Path, package: str) -> Iterator[str]:
    """Every dotted name ``path`` imports, anywhere in the file (relative imports resolved)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def import_graph() -> dict[str, set[str]]:
    """Edges between the project's own modules (a name that is a function or class is dropped)."""
    modules = project_modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets = {n for n in imported_names(path, package) if n in modules and n != name}
        graph[name] = targets
    return graph


def test_every_module_imports() -> None:
    """Each module of the three layers imports on its own (no cycle breaks it at import time).

    ``__main__`` modules are left out: importing one runs it.
    """
    import importlib

    for name in project_modules():
        if name.rpartition(".")[2] != "__main__":
            importlib.import_module(name)


@pytest.mark.parametrize("layer", LAYERS)
def test_layer_imports_only_downwards(layer: str) -> None:
    """``storage`` imports nothing of ``bot``/``handlers``; ``bot`` nothing of ``handlers``."""
    wrong = sorted(
        f"{source} imports {target}"
        for source, targets in import_graph().items()
        if source.split(".")[0] == layer and source not in ENTRY_POINTS
        for target in targets
        if target.split(".")[0] in FORBIDDEN[layer]
    )
    assert wrong == []


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle in ``graph`` as the list of modules along it, or ``None``."""
    state: dict[str, int] = {}  # 1 on the current path, 2 finished
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_no_import_cycles() -> None:
    """No module reaches itself through imports, type-checking and in-function ones included.

    A package's ``__init__`` importing its own submodules is the usual way to re-export and
    is left out; any other edge counts.
    """
    graph = {
        source: {t for t in targets if not source or not t.startswith(f"{source}.")}
        for source, targets in import_graph().items()
    }
    assert find_cycle(graph) is None


def test_only_the_entry_points_import_upwards() -> None:
    """The exception is as narrow as documented: only what starts the bot imports the entry points.

    Were ``bot.app`` imported by a feature, the feature would reach every handler through it.
    """
    graph = import_graph()
    assert graph.keys() >= ENTRY_POINTS
    importers = sorted(
        f"{source} imports {target}"
        for source, targets in graph.items()
        for target in targets & ENTRY_POINTS
        if source.split(".")[0] in {"storage", "handlers"}
        or (source.split(".")[0] == "bot" and not _may_start_the_bot(source))
    )
    assert importers == []


def _may_start_the_bot(module: str) -> bool:
    """Modules that build or serve the application: entry points, webhook, demo, simulator."""
    return module in ENTRY_POINTS or module.startswith(("bot.webhook", "bot.demo", "bot.simulator"))


def test_cycle_finder_finds_a_planted_cycle() -> None:
    """The checker itself: a cycle of three is found, a chain is not."""
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_the_context_knows_no_feature_and_no_handler() -> None:
    """``bot.context`` is what every feature takes: it imports only the bottom of ``bot``.

    Of ``storage`` it may know the models its protocols speak of (a poll, for the schedule).
    """
    assert import_graph()["bot.context"] <= {"bot", "bot.i18n", "bot.identity", "bot.settings",
                                             "storage", "storage.db", "storage.models",
                                             "storage.polls"}  # fmt: skip
