"""Record a pip call as one JSON line in $MTL_PIP_RECORD (when set) and install nothing."""

import json
import os
import sys

if os.environ.get("MTL_PIP_RECORD"):
    with open(os.environ["MTL_PIP_RECORD"], "a", encoding="utf-8") as record:
        record.write(json.dumps(sys.argv[1:]) + "\n")
