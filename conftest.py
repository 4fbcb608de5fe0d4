"""pytest set-up for every path under the repository, the notebooks under book/ included."""

import os

# A finding of the text that does not hold fails the tests, also when a notebook is run by
# `pytest book/NN_x.ipynb --nbval-lax` without make; on a reader's machine it prints a note.
os.environ.setdefault("MTL_LESSONS_STRICT", "1")
