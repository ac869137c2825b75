"""The one-way layers between the domains (setup.cfg [importlinter]): kept by the code as it is, and
broken by an upward import, even one hidden inside a function (a copy of the code is used for that)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.skipif(not LINT.exists(), reason="import-linter is not installed (pip install -e '.[test]')")


def _lint(where: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(where)}
    return subprocess.run([str(LINT), "--no-cache", "--config", str(where / "setup.cfg")], cwd=where, env=env,
                          capture_output=True, text=True, timeout=300)


def test_the_code_keeps_the_layers():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


@pytest.mark.parametrize("module, line", [
    # a lower domain reaching up, inside a function (the loop-dodging kind)
    ("ulr_app/learners/queries.py", "def _sneaky():\n    from ..cases import models  # noqa\n    return models\n"),
    # core reaching into a domain at module level
    ("ulr_app/core/permissions.py", "from ..organisation import models as _org  # noqa\n"),
])
def test_an_upward_import_breaks_the_build(tmp_path, module, line):
    shutil.copy(ROOT / "setup.cfg", tmp_path / "setup.cfg")
    shutil.copytree(ROOT / "ulr_app", tmp_path / "ulr_app", ignore=shutil.ignore_patterns("static", "data", "__pycache__"))
    target = tmp_path / module
    target.write_text(target.read_text() + "\n\n" + line)
    result = _lint(tmp_path)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout or "broken" in result.stdout, result.stdout
