"""Copy the website's JavaScript from node_modules (filled by `npm ci`) into _assets/vendor.

The site serves MathJax, RequireJS and the ipywidgets embed manager itself, so it works offline.
Nothing here is committed: _assets/ and node_modules/ are build products.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODULES = ROOT / "node_modules"
VENDOR = ROOT / "_assets" / "vendor"

COPIES = {
    MODULES / "mathjax" / "es5": VENDOR / "mathjax",
    MODULES / "@jupyter-widgets" / "html-manager" / "dist": VENDOR / "html-manager",
    MODULES / "requirejs" / "require.js": VENDOR / "require.js",
}


def main() -> int:
    for source, target in COPIES.items():
        if not source.exists():
            print(f"missing {source}: run `npm ci` first (the Makefile does)", file=sys.stderr)
            return 1
        if target.exists():
            shutil.rmtree(target) if target.is_dir() else target.unlink()
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("*.map", "*.md"))
        else:
            shutil.copy2(source, target)
    print(f"website assets installed in {VENDOR.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
