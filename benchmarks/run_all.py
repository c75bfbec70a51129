"""``python benchmarks/run_all.py [--quick]``: the same as ``python -m benchmarks``."""

from __future__ import annotations

import sys
from pathlib import Path

if __name__ == "__main__":
    # Run as a script, the checkout's root is not on the path; the package lives there.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from benchmarks.__main__ import main

    sys.exit(main())
