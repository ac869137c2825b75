"""Run every benchmark in bench/ (make bench). Each writes its figures to bench/out/."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    failed = 0
    # scale.py builds (or reuses) the small and national PostgreSQL databases that load.py then uses
    last = ["scale.py", "load.py"]
    scripts = sorted(HERE.glob("*.py"), key=lambda p: (last.index(p.name) if p.name in last else -1, p.name))
    for script in scripts:
        if script.name in ("run.py", "locustfile.py") or script.name.startswith("_"):
            continue
        print(f"== {script.name}", flush=True)
        failed += subprocess.call([sys.executable, str(script)]) != 0
    print(f"Figures are in {HERE / 'out'} and {HERE / 'results'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
