"""Run every benchmark in bench/ (make bench). Each writes its figures to bench/out/."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    failed = 0
    for script in sorted(HERE.glob("*.py")):
        if script.name == "run.py" or script.name.startswith("_"):
            continue
        print(f"== {script.name}", flush=True)
        failed += subprocess.call([sys.executable, str(script)]) != 0
    print(f"Figures are in {HERE / 'out'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
