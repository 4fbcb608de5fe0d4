"""Shared test set-up: make the repository's tools/ importable and keep torch single-threaded."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
