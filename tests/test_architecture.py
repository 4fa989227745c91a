"""The import rule of ADR 0006: each layer imports only the layers before it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "changesim"
#: Layers in order; a module may import its own layer and those before it.
LAYERS = [
    "registry",
    "scenario",
    "build",
    "model",
    "analysis",
    "viz",
    "experiments",
    "app",
    "cli",
]
#: Top-level modules that belong to no layer: anything may import them.
FREE = {"version"}


def layer_of(module: str) -> str | None:
    """The layer of a dotted changesim module name ('changesim.model.state' -> 'model')."""
    parts = module.split(".")
    if parts[0] != "changesim" or len(parts) == 1:
        return None
    return parts[1]


def _typing_only(tree: ast.Module) -> set[ast.AST]:
    """Import nodes under ``if TYPE_CHECKING:``."""
    guarded = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            guarded |= {n for stmt in node.body for n in ast.walk(stmt)}
    return guarded


def changesim_imports(path: Path, *, typing_only: bool = True) -> list[tuple[int, str]]:
    """(line, module) of every changesim import in ``path``, including lazy ones; those under
    ``if TYPE_CHECKING:`` only with ``typing_only``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = set() if typing_only else _typing_only(tree)
    found = []
    for node in ast.walk(tree):
        if node in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            found += [(node.lineno, name) for name in names if name.startswith("changesim.")]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("changesim")]
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p.parent != PACKAGE or p.stem != "__init__")


def allowed(importer: str, imported: str) -> bool:
    """Whether a module of layer ``importer`` may import one of layer ``imported``."""
    if imported in FREE or importer == imported:
        return True
    if imported == "validation":
        return False
    if importer == "validation":
        return imported != "cli"
    if imported not in LAYERS:  # a top-level module such as changesim.experiments.comparison
        return True
    return LAYERS.index(imported) < LAYERS.index(importer)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_follow_the_layers(path: Path) -> None:
    relative = path.relative_to(PACKAGE)
    importer = relative.parts[0].removesuffix(".py")
    # The registries name their seams' signatures, declared where the built-ins live.
    typing_only = importer != "registry"
    broken = [
        f"line {line}: {module}"
        for line, module in changesim_imports(path, typing_only=typing_only)
        if (layer := layer_of(module)) is not None
        and layer in {*LAYERS, "validation"}
        and not allowed(importer, layer)
    ]
    assert not broken, f"{relative} imports a later layer: {broken}"


def test_the_rule_catches_an_upward_import() -> None:
    """The checker itself: a model module importing experiments or viz is refused."""
    assert not allowed("model", "experiments")
    assert not allowed("model", "viz")
    assert not allowed("model", "analysis")
    assert not allowed("scenario", "model")
    assert not allowed("viz", "experiments")
    assert not allowed("experiments", "validation")
    assert allowed("model", "build")
    assert allowed("experiments", "viz")
    assert allowed("validation", "model")


def test_every_module_is_in_a_layer() -> None:
    """A new top-level package must be placed in the order before it can be imported."""
    tops = {p.relative_to(PACKAGE).parts[0].removesuffix(".py") for p in MODULES}
    assert tops <= {*LAYERS, "validation", *FREE}, tops - {*LAYERS, "validation", *FREE}
