"""README's Python quick start runs as written (each ```python block of "Python and Ray", from the repository root)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from conftest import ROOT


def python_blocks() -> list[tuple[str, str]]:
    text = (ROOT / "README.md").read_text()
    start = text.index("\n## Python and Ray")
    end = text.find("\n## ", start + 1)
    section = text[start : end if end != -1 else len(text)]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert blocks, "README's Python section has no python blocks"
    return [(f"block{i}", code) for i, code in enumerate(blocks)]


@pytest.mark.parametrize("name,code", python_blocks(), ids=[n for n, _ in python_blocks()])
def test_readme_block_runs_as_written(name, code):
    if "import ray" in code:
        pytest.importorskip("ray")
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, f"README {name} failed:\n{done.stdout}\n{done.stderr}"
