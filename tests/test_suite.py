"""The test suite's own rules (issue 12): a test module takes shared helpers from conftest.py or
support.py, never from another test module."""
from __future__ import annotations

import ast
import re

import pytest

from tests.support import ROOT

pytestmark = pytest.mark.exact

TEST_MODULE = re.compile(r"(^|\.)test_\w+$")  # a dotted module name whose last part is test_…
DOTTED = re.compile(r"\btests(?:\.\w+)+")  # a module of the suite named in text (subprocess code)


def imported_modules(tree: ast.AST):
    """(line, module) for every import, and every module of the suite a string names."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            yield node.lineno, module
            prefix = module if module.endswith(".") else module + "."
            yield from ((node.lineno, prefix + alias.name) for alias in node.names)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield from ((node.lineno, name) for name in DOTTED.findall(node.value))


def test_no_test_module_imports_another():
    offenders = [f"{path.relative_to(ROOT)}:{line}: {module}"
                 for path in sorted((ROOT / "tests").rglob("*.py"))
                 for line, module in imported_modules(ast.parse(path.read_text(encoding="utf-8")))
                 if TEST_MODULE.search(module)]
    assert not offenders, "import shared helpers from tests/support.py instead:\n" + "\n".join(offenders)
