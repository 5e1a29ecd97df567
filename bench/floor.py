"""The floor: what our own libraries take to render the same incident pages
with no site logic at all. One process: read each incident file, split off
its front matter, render its Markdown with markdown-it-py and a minimal page
with Jinja2, write it. Run as ``python -m bench.floor SITE OUT``; prints seconds.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import jinja2
from markdown_it import MarkdownIt

PAGE = jinja2.Environment(autoescape=True).from_string(
    "<!doctype html><html lang=en><head><meta charset=utf-8><title>{{ title }}</title></head>"
    "<body><main><h1>{{ title }}</h1>{{ body | safe }}</main></body></html>"
)


def render_floor(site: Path, out: Path) -> int:
    markdown = MarkdownIt("commonmark")
    count = 0
    for path in sorted((site / "content" / "incidents").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        _, front, body = text.split("---\n", 2)
        title = next((line[7:] for line in front.splitlines() if line.startswith("title: ")), path.stem)
        target = out / path.stem / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(PAGE.render(title=title, body=markdown.render(body)), encoding="utf-8")
        count += 1
    return count


if __name__ == "__main__":
    started = time.perf_counter()
    pages = render_floor(Path(sys.argv[1]), Path(sys.argv[2]))
    print(f"{time.perf_counter() - started:.3f} {pages}")
