"""Stand-in for pip, found first on PYTHONPATH: `python -m pip ...` records its arguments instead."""
