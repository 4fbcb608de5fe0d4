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

