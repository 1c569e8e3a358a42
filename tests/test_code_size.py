"""Modules stay small and functions short (docstrings not counted).

The limits of the engineering guide: a module under 400 lines of code and
comments, a function under 60, so that a newcomer can read any of them in one
sitting. Blank lines count as code here.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
FILES = sorted(
    p for folder in ("skdvae", "benchmarks") for p in (ROOT / folder).rglob("*.py")
)


def _docstring_lines(node):
    body = getattr(node, "body", None)
    if body and isinstance(body[0], ast.Expr):
        value = body[0].value
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            return body[0].end_lineno - body[0].lineno + 1
    return 0


def _sizes(path):
    tree = ast.parse(path.read_text())
    defs = [
        node
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    ]
    docstrings = _docstring_lines(tree) + sum(_docstring_lines(n) for n in defs)
    module = len(path.read_text().splitlines()) - docstrings
    functions = {
        f"{n.name} (line {n.lineno})": n.end_lineno - n.lineno + 1 - _docstring_lines(n)
        for n in defs
        if not isinstance(n, ast.ClassDef)
    }
    return module, functions


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_module_and_function_sizes(path):
    module, functions = _sizes(path)
    assert module < MAX_MODULE_LINES, f"{module} lines of code"
    long = {name: n for name, n in functions.items() if n >= MAX_FUNCTION_LINES}
    assert not long, long


def test_the_size_rule_counts_code_not_docstrings(tmp_path):
    source = tmp_path / "m.py"
    body = "\n".join(f"    x{i} = {i}" for i in range(59))
    source.write_text(f'"""Doc."""\n\n\ndef f():\n    """Doc\n    more."""\n{body}\n')
    module, functions = _sizes(source)
    assert functions == {"f (line 4)": 60} and module == 62
