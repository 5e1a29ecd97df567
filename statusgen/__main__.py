"""Allow ``python -m statusgen``."""

from __future__ import annotations

from statusgen.cli import run

if __name__ == "__main__":  # not when a worker process re-imports the main module
    run()
