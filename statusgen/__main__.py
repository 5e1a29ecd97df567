"""Allow ``python -m statusgen``."""

from __future__ import annotations

import sys

from statusgen.cli import main

sys.exit(main())
