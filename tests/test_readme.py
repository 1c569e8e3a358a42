"""Every ```python block of README.md runs as written, each in a fresh process."""

import ast
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
# Each block fits one or two small models; a minute on two idle cores is ample.
TIMEOUT = 300


def _blocks():
    text = README.read_text(encoding="utf-8")
    return [
        pytest.param(
            match.group(1), id=f"line-{text.count(chr(10), 0, match.start()) + 1}"
        )
        for match in BLOCK.finditer(text)
    ]


def _missing_modules(code):
    """Top-level modules the block imports that are not installed."""
    names = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module.split(".")[0])
    return sorted(name for name in names if importlib.util.find_spec(name) is None)


def test_readme_has_both_estimator_examples():
    codes = [param.values[0] for param in _blocks()]
    assert any("DiffusionMap(" in code for code in codes)
    assert any("DiffusionVAE(" in code for code in codes)


@pytest.mark.parametrize("code", _blocks())
def test_readme_block_runs(code, tmp_path):
    missing = _missing_modules(code)
    if missing:
        pytest.skip(f"the block needs {', '.join(missing)}, which is not installed")
    # One BLAS/OpenMP thread: the data are small, and on a busy machine more
    # threads than cores only make the run slower.
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert result.returncode == 0, (
        f"README block failed:\n{code}\n--- stdout ---\n{result.stdout}"
        f"\n--- stderr ---\n{result.stderr}"
    )
