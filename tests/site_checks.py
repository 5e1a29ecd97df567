"""Helpers that read a built site the way a reader or a crawler would."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urljoin, urlsplit

from bs4 import BeautifulSoup


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def text_of(path: Path) -> str:
    """The visible text of a page, whitespace collapsed."""
    return " ".join(soup(path).get_text(" ").split())


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file under root, by relative path."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def broken_internal_links(output: Path, base_url: str) -> list[str]:
    """Every href/src on every page that should resolve inside the site but does not.

    Each page is given its real public URL (base_url + its path), links are
    resolved the way a browser would, and each same-origin URL must land on
    a file in output (a trailing slash means index.html). Fragments must
    name an id on the target page.
    """
    base = urlsplit(base_url)
    problems = []
    for page in sorted(output.rglob("*.html")):
        rel = page.relative_to(output).as_posix()
        page_url = base_url + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)
        if rel == "404.html":
            page_url = base_url + "some/missing/deep/page/"  # served at any depth
        document = soup(page)
        for tag in document.find_all(["a", "link", "script", "img", "use"]):
            for attribute in ("href", "src"):
                value = tag.get(attribute)
                if not value or not isinstance(value, str):
                    continue
                if value.startswith("#"):
                    if document.find(id=value[1:]) is None:
                        problems.append(f"{rel}: {value} -> no element with that id on the page")
                    continue
                target = urlsplit(urljoin(page_url, value))
                if target.scheme not in ("http", "https") or target.netloc != base.netloc:
                    continue
                if not target.path.startswith(base.path):
                    problems.append(f"{rel}: {value} leaves the site's path {base.path}")
                    continue
                inside = unquote(target.path[len(base.path):])
                file = output / PurePosixPath(inside + "index.html" if inside.endswith("/") or not inside else inside)
                if not file.is_file():
                    problems.append(f"{rel}: {value} -> missing {file.relative_to(output)}")
                    continue
                if target.fragment and file.suffix == ".html" and soup(file).find(id=target.fragment) is None:
                    problems.append(f"{rel}: {value} -> no element with id {target.fragment}")
    return problems
