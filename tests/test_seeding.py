import random
import subprocess
import sys

import numpy as np
import pytest
import torch

from mtl_lessons import set_seed


def test_set_seed_makes_every_generator_repeat():
    set_seed(3)
    first = (random.random(), np.random.rand(), torch.rand(1).item())
    assert set_seed(3) is None  # nothing to display when it ends a notebook cell
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == first


def test_set_seed_rejects_bad_seeds():
    with pytest.raises(ValueError, match="seed must be >= 0, got -1"):
        set_seed(-1)
    with pytest.raises(TypeError, match="seed must be an integer"):
        set_seed(1.5)


PACKAGE_MODULES = ["mtl_lessons", "mtl_lessons.torch", "mtl_lessons.data", "mtl_lessons.explorers",
                   "mtl_lessons.exercises", "mtl_lessons.history", "mtl_lessons.analysis"]


def test_importing_the_package_does_not_import_tensorflow():
    code = (f"import sys, mtl_lessons, {', '.join(PACKAGE_MODULES)}; mtl_lessons.set_seed(0); "
            "print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]", f"imported {result.stdout.strip()}"
