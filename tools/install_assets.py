"""Copy the website's JavaScript from node_modules (filled by `npm ci`) into _assets/vendor.

The site serves MathJax, RequireJS and the ipywidgets embed manager itself, so it works offline.
Nothing here is committed: _assets/ and node_modules/ are build products.

One adjustment is made to the installed copy of the embed manager (the pinned
@jupyter-widgets/html-manager 1.0.15): it compiles the widget-state JSON schema with Ajv in strict
mode, and Ajv logs a console warning on every page with widgets because that schema lists two
types for a buffer path ("string" or "number"). The copy passes Ajv's documented option
`allowUnionTypes: true`, which accepts exactly that schema and silences nothing else. The edit is
anchored on the one place the bundle creates its validator; if a new version of the package
changes that place, this script stops with a message instead of serving an unpatched copy.
"""

from __future__ import annotations

import re
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

# `viewSchema=require(...).v2.view,validator=new(Ajv())` in the minified embed manager, which
# holds the embedding code twice (the html-manager module and libembed-amd).
AJV_VALIDATOR = re.compile(r"(\.v2\.view,\w+=new\(\w+\(\)\))(?!\()")


def allow_union_types(script: Path) -> None:
    """Give the embed manager's Ajv validators ``allowUnionTypes`` (see the module docstring)."""
    text = script.read_text(encoding="utf-8")
    patched, count = AJV_VALIDATOR.subn(r"\1({allowUnionTypes:!0})", text)
    if count == 0:
        raise SystemExit(f"{script}: found no Ajv validator of the widget schema to configure; "
                         "check the html-manager version pinned in package.json")
    script.write_text(patched, encoding="utf-8")


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
    allow_union_types(VENDOR / "html-manager" / "embed-amd.js")
    print(f"website assets installed in {VENDOR.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
