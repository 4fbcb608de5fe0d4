"""The kernel variants of `make test` and `make robustness` really choose other floating-point kernels."""

import os
import re
import subprocess
import sys
from pathlib import Path

from benchmarks.robustness import CONFIGS

ROOT = Path(__file__).resolve().parents[1]
PROBE = "import torch; print(torch.backends.cpu.get_cpu_capability())"


def makefile_variant() -> dict[str, str]:
    """The VARIANT_ENV of the Makefile, as a dict."""
    line = re.search(r"^VARIANT_ENV := (.*)$", (ROOT / "Makefile").read_text(), re.MULTILINE).group(1)
    return dict(item.split("=", 1) for item in line.split())


def probe(variables: dict[str, str]) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("MKL_CBWR", "ATEN_CPU_CAPABILITY")}
    done = subprocess.run([sys.executable, "-c", PROBE], env={**env, **variables},
                          capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_the_makefile_variant_is_one_of_robustness_configurations():
    assert makefile_variant() in [environment for _, environment in CONFIGS.values()]


def test_the_variant_runs_pytorch_on_its_portable_kernels():
    assert probe(makefile_variant()) == "DEFAULT"



def test_make_test_runs_its_variant_copies_with_those_variables_set_first_and_never_shows_them():
    from mtl_lessons.editions import Book
    from tools.kernel_variant import variant_edition
    from tools.nbval_stage import as_source

    variables = makefile_variant()
    edition = variant_edition(ROOT / "book" / "09_mmoe.ipynb", variables, Book.read(ROOT))
    first = edition.cells[0].source
    for name, value in variables.items():
        assert f"os.environ[{name!r}] = {value!r}" in first
    assert first.index("os.environ") < first.index("import torch")  # set before PyTorch starts
    assert edition.metadata["mtl_edition"]["kind"] == "kernel-variant"
    assert as_source(edition, ROOT / "book" / "09_mmoe.ipynb") is None  # not stored for the website
