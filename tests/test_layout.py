"""The package's layout stays what docs/architecture.md draws: imports point one way.

language ← engine ← money ← outputs ← the commands (runner, sweep, sensitivity, api, cli): a
module never imports from a layer above its own (imports under `if TYPE_CHECKING:` excepted,
as they only name types). The engine's `model.py` never imports money or outputs, so it can be
compiled alone.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.property

PACKAGE = Path(__file__).resolve().parents[1] / "simulator"
LAYERS = {"language": 0, "engine": 1, "money": 2, "outputs": 3}  # anything else: the commands, 4


def layer(module: str) -> int:
    parts = module.split(".")
    return 5 if len(parts) == 1 else LAYERS.get(parts[1], 4)


def runtime_imports(path: Path) -> list[str]:
    """The simulator modules `path` imports when it runs."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {id(node) for branch in ast.walk(tree)
                   if isinstance(branch, ast.If) and "TYPE_CHECKING" in ast.unparse(branch.test)
                   for node in ast.walk(branch)}
    imported = []
    for node in ast.walk(tree):
        if id(node) in typing_only or not isinstance(node, ast.ImportFrom) or not node.module:
            continue
        if node.module == "simulator":
            imported += [f"simulator.{alias.name}" for alias in node.names]
        elif node.module.startswith("simulator."):
            imported.append(node.module)
    return imported


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(PACKAGE)) for p in MODULES])
def test_no_module_imports_from_a_layer_above_its_own(path):
    module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
    upward = [name for name in runtime_imports(path) if layer(name) > layer(module)]
    assert not upward, f"{module} imports {upward} from above its layer"


def test_every_subpackage_says_what_it_holds():
    for folder in ("language", "engine", "money", "outputs", "language/outcomes", "language/sections"):
        init = PACKAGE / folder / "__init__.py"
        assert ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))), init
