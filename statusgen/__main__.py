"""Allow ``python -m statusgen``."""

from __future__ import annotations

import sys

from statusgen.cli import main

if __name__ == "__main__":  # not when a worker process re-imports the main module
    sys.exit(main())
