"""statusgen: a static-site generator for status pages and postmortem archives."""

from __future__ import annotations

__version__ = "0.1.0"
