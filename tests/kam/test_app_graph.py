"""The app graph: which first-party app imports which, read from the source (module-level
and function-level imports, and the ``include("app.urls")`` strings of URL modules),
migrations and tests excluded.

The layers (README, Architecture): ``config`` (the site) above the domain apps, the
domain apps above ``kam`` (the core: users, teams, scoping, capabilities, API bases).
No app-level cycle; the core imports no domain app; no app imports the site."""

import ast
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORE = "kam"
SITE = "config"


def first_party_apps() -> set[str]:
    """Each top-level package with an ``apps.py`` (its sub-apps, like accounts.service,
    count as their package)."""
    return {path.parent.name for path in ROOT.glob("*/apps.py")}


def _sources(app: str):
    for path in sorted((ROOT / app).rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if "migrations" in parts or "tests" in parts:
            continue
        yield path


def _imported_modules(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module:  # a relative import stays in its package
                yield node.lineno, node.module
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", None)) == "include"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.lineno, node.args[0].value


def app_graph() -> dict[str, dict[str, list[str]]]:
    """{app: {imported app: ["file:line", ...]}} over the first-party apps."""
    apps = first_party_apps()
    graph: dict[str, dict[str, list[str]]] = {app: {} for app in apps}
    for app in apps:
        for path in _sources(app):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for line, module in _imported_modules(tree):
                target = module.split(".")[0]
                if target in apps and target != app:
                    where = f"{path.relative_to(ROOT)}:{line}"
                    graph[app].setdefault(target, []).append(where)
    return graph


def cycles(graph) -> list[list[str]]:
    """One cycle (as a path that returns to its start) per strongly connected component
    of more than one app (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)

    found = []
    for component in components:
        members = set(component)
        start = component[0]
        # the shortest way back to the start inside the component
        paths = {start: [start]}
        frontier = [start]
        cycle = None
        while frontier and cycle is None:
            next_frontier = []
            for node in frontier:
                for target in sorted(graph[node]):
                    if target == start:
                        cycle = [*paths[node], start]
                        break
                    if target in members and target not in paths:
                        paths[target] = [*paths[node], target]
                        next_frontier.append(target)
                if cycle:
                    break
            frontier = next_frontier
        found.append(cycle)
    return found


def _describe(graph, cycle) -> str:
    steps = []
    for source, target in pairwise(cycle):
        steps.append(f"{source} -> {target} ({graph[source][target][0]})")
    return " ; ".join(steps)


def test_the_walk_sees_imports_and_url_includes():
    """The walk itself: a known import, a function-level import and an include() string
    are found (so an empty graph cannot pass for a clean one)."""
    graph = app_graph()
    assert {"accounts", "kam", "config", "integrations", "messaging"} <= set(graph)
    assert "kam" in graph["accounts"]  # accounts.models imports kam
    assert "savedviews" in graph[SITE]  # config/urls.py: include("savedviews.urls")
    tree = ast.parse("def f():\n    from plans.models import Plan\ninclude('audit.urls')\n")
    assert [module for _, module in _imported_modules(tree)] == ["plans.models", "audit.urls"]


def test_a_cycle_is_named():
    graph = {"a": {"b": ["a.py:1"]}, "b": {"c": ["b.py:2"]}, "c": {"a": ["c.py:3"]}, "d": {}}
    assert cycles(graph) == [["a", "b", "c", "a"]]
    assert _describe(graph, ["a", "b", "c", "a"]) == (
        "a -> b (a.py:1) ; b -> c (b.py:2) ; c -> a (c.py:3)"
    )
    assert cycles({"a": {"b": ["x"]}, "b": {}}) == []


def test_no_app_level_import_cycle():
    """No exception: an app below another (accounts below plans and opportunities)
    offers a hook that the app above fills when it is ready (the timeline's sources,
    the account page's cards, the health check's commercial inputs, the tier scoring's
    actuals), instead of importing it."""
    graph = app_graph()
    assert "plans" not in graph["accounts"], graph["accounts"].get("plans")
    found = [_describe(graph, cycle) for cycle in cycles(graph)]
    assert found == [], "app-level import cycles:\n" + "\n".join(found)


def test_the_core_imports_no_domain_app_nor_the_site():
    graph = app_graph()
    assert graph[CORE] == {}, f"{CORE} imports {graph[CORE]}"


def test_no_app_imports_the_site():
    graph = app_graph()
    importers = {app: edges[SITE] for app, edges in graph.items() if SITE in edges}
    assert importers == {}, f"only {SITE} may import {SITE}: {importers}"
