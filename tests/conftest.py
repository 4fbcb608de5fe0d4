"""Shared test set-up: make the repository's tools/ importable and keep torch single-threaded."""

import os
import sys
from pathlib import Path

from hypothesis import settings

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Property tests draw the same examples on every run (a fixed seed, no example database), so that a
# run of `make test` is reproducible and a failure can be replayed; HYPOTHESIS_PROFILE=explore draws
# new ones, to look for counterexamples on purpose.
settings.register_profile("repeatable", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", database=None, print_blob=True)
settings.load_profile("explore" if os.environ.get("HYPOTHESIS_PROFILE") == "explore" else "repeatable")
