"""Stage 1: find content files, decode them, split front matter from body.

Nothing here interprets a field. Each file becomes a :class:`SourceFile` that
remembers where its front matter and its body start, so every later stage can
report a line number in the file, not in a fragment of it.
"""

from __future__ import annotations

import functools
import os
import re
import stat
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import NamedTuple

from statusgen.diagnostics import Diagnostic, error
from statusgen.markers import Marker, strip_markers

CONFIG_NAME = "statusgen.toml"

# python-frontmatter's YAML boundary (a line of three or more dashes). Its
# ``split`` returns bare strings; we need the offsets, so we match the same
# pattern ourselves and keep the spans.
@functools.cache
def _boundary() -> re.Pattern[str]:
    """The front matter's fences, as python-frontmatter finds them (imported only when a file is read: a rebuild
    whose files are all in the cache reads none)."""
    from frontmatter.default_handlers import YAMLHandler

    return YAMLHandler.FM_BOUNDARY or re.compile(r"^-{3,}\s*$", re.MULTILINE)


class ContentKind(Enum):
    """Which content folder a file came from."""

    INCIDENT = "incidents"
    POSTMORTEM = "postmortems"


@dataclass(frozen=True)
class SourceFile:
    """One Markdown content file, split but not interpreted.

    ``front_matter_line`` is the 1-based line in the file that YAML line 0 of
    ``front_matter`` corresponds to; ``body_line`` is the 1-based line in the
    file of the body's first line.
    """

    path: str
    kind: ContentKind
    slug: str
    front_matter: str
    front_matter_line: int
    body: str
    body_line: int
    markers: tuple[Marker, ...] = ()
    """Audit suppressions taken out of the body (see :mod:`statusgen.markers`)."""


@dataclass(frozen=True)
class ConfigSource:
    """The site configuration file's text."""

    path: str
    text: str


class ContentFile(NamedTuple):
    """A Markdown file found under ``content/``, not read yet (a build with a cache reads only the files
    that changed since it last read them). A named tuple: a build lists every file, and makes one of these
    for each in a third of the time a frozen dataclass takes."""

    path: str
    """Relative to the site directory, with forward slashes: what diagnostics name."""
    kind: ContentKind
    slug: str
    location: str
    """Where it is on disk (a string: a build makes one for every file, and most are never opened)."""

    def read_bytes(self) -> bytes | Diagnostic:
        """The file's bytes, as they are on disk."""
        try:
            with open(self.location, "rb") as stream:
                return stream.read()
        except OSError as exc:  # unreadable, or removed since it was listed
            return error(self.path, 1, 1, "file-unreadable", f"the file cannot be read: {exc.strerror or exc}")

    def parse(self, data: bytes) -> SourceFile | Diagnostic:
        """Decode and split the file's bytes."""
        decoded = decode(self.path, data)
        return decoded if isinstance(decoded, Diagnostic) else split_front_matter(self.path, self.kind, self.slug, decoded)


def line_of(text: str, position: int) -> int:
    """1-based line number of a character position."""
    return text.count("\n", 0, position) + 1


def split_front_matter(path: str, kind: ContentKind, slug: str, text: str) -> SourceFile | Diagnostic:
    """Split one decoded file into front matter and body, keeping line offsets."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        return error(path, 1, 1, "file-empty", "file is empty; expected front matter between '---' lines, then Markdown")
    first = _boundary().match(text)
    if first is None:
        return error(
            path, 1, 1, "front-matter-missing",
            "front matter is missing: the file must start with a line '---', then YAML fields, then '---'",
        )
    second = _boundary().search(text, first.end())
    if second is None:
        return error(
            path, 1, 1, "front-matter-unclosed",
            "front matter is not closed: expected a second line '---' after the YAML fields",
        )
    body_start = second.end()
    # The boundary pattern may stop before the newline that ends its line.
    if text.startswith("\n", body_start):
        body_start += 1
    body_line = line_of(text, body_start)
    body, markers = strip_markers(text[body_start:], body_line)
    return SourceFile(
        path=path,
        kind=kind,
        slug=slug,
        front_matter=text[first.end() : second.start()],
        front_matter_line=line_of(text, first.end()),
        body=body,
        body_line=body_line,
        markers=markers,
    )


def decode(path: str, data: bytes) -> str | Diagnostic:
    """Decode UTF-8 strictly; name the line and column of the first bad byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        return error(
            path, line, column, "encoding",
            f"file is not valid UTF-8: byte 0x{data[exc.start]:02x} cannot be decoded; save the file as UTF-8",
        )


def read_config_source(site_dir: Path) -> ConfigSource | Diagnostic:
    """Read ``statusgen.toml`` alone (the authoring commands need nothing else)."""
    config_path = site_dir / CONFIG_NAME
    if not config_path.is_file():
        return error(CONFIG_NAME, 0, 0, "config-missing", f"no {CONFIG_NAME} in {site_dir}: this directory is not a statusgen site")
    decoded = decode(CONFIG_NAME, config_path.read_bytes())
    return decoded if isinstance(decoded, Diagnostic) else ConfigSource(CONFIG_NAME, decoded)


def content_files(site_dir: Path) -> list[ContentFile]:
    """Every content file under ``site_dir`` (``*.md`` at any depth, not through linked folders), incidents
    first, each folder's in path order."""
    found: list[ContentFile] = []
    for kind in ContentKind:
        root = f"{site_dir}/content/{kind.value}"
        if not os.path.isdir(root):
            continue
        names = in_path_order(list(_markdown_under(root, "")))
        under = f"content/{kind.value}/"
        found += [ContentFile(under + name, kind, name.rpartition("/")[2][:-3], f"{root}/{name}") for name in names]
    return found


#: A content file's inode, size, and modification and change times (ns): what tells a build it is unchanged.
Stat = tuple[int, int, int, int]


#: What :func:`walk` returns.
Walked = tuple[list["ContentFile"], list[Stat | None]]


def stat_of(found: os.stat_result) -> Stat:
    """The :data:`Stat` in a ``stat`` result."""
    return found.st_ino, found.st_size, found.st_mtime_ns, found.st_ctime_ns


def walk(site_dir: Path) -> Walked:
    """Every content file (see :func:`content_files`) and, in the same order, its :data:`Stat` (None for one that
    could not be looked at): what a build with a cache looks at first, every file every time (a ``stat`` of
    11,100 files takes about 30 ms). The command line has a forked child take it while it imports the build."""
    found = content_files(site_dir)
    stats: list[Stat | None] = []
    for file in found:
        try:
            stats.append(stat_of(os.stat(file.location)))
        except OSError:
            stats.append(None)
    return found, stats


#: Where content files are, as :class:`Changes` names paths: a Markdown file anywhere below one of these is one.
CONTENT_FOLDERS = tuple(f"content/{kind.value}/" for kind in ContentKind)


@dataclass(frozen=True)
class Changes:
    """What a watcher saw change in a site (``serve``, ``build --watch``), for the build given ``token``: the ``paths``
    (relative to the site, with forward slashes) of every file it saw change since the build given ``since`` started,
    whose walk a process that builds again and again keeps. That build's walk with those files looked at again is
    this one's (see :func:`walk_again`): 10,000 files are not looked at for one edit. ``since`` None: from nothing
    known (a first build, a folder moved): every file is looked at."""

    since: str | None
    token: str
    paths: frozenset[str]


def walk_again(before: Walked, at: Mapping[str, int], paths: Iterable[str]) -> Walked | None:
    """What :func:`walk` would take now, from what it took ``before`` (``at``: the place of each of its files, by
    path) and the ``paths`` of the files changed since (see :class:`Changes`): each of its files among them looked
    at again; the others cannot be content files. None when that does not tell: a Markdown file in a content folder
    that was not there before, or one that was and is gone or is no longer a file (every file is walked then)."""
    found, seen = before
    stats: list[Stat | None] | None = None
    for path in paths:
        n = at.get(path)
        if n is None:
            if path.endswith(".md") and path.startswith(CONTENT_FOLDERS):
                return None
            continue
        try:
            now = os.stat(found[n].location)
        except OSError:
            return None
        if not stat.S_ISREG(now.st_mode):
            return None
        if stats is None:
            stats = list(seen)
        stats[n] = stat_of(now)
    return found, stats if stats is not None else seen


def in_path_order(names: list[str]) -> list[str]:
    """Relative paths sorted folder by folder (a folder's files together, by name); the names of a flat folder,
    the usual, sort as they are, several times faster."""
    if any("/" in name for name in names):
        return sorted(names, key=lambda name: name.split("/"))
    return sorted(names)


def _markdown_under(folder: str, prefix: str) -> Iterator[str]:
    """The paths, relative to the walk's start, of the Markdown files in ``folder`` and the folders below it."""
    try:
        with os.scandir(folder) as entries:
            listed = list(entries)
    except PermissionError:
        return
    for entry in listed:
        if entry.is_dir(follow_symlinks=False):
            yield from _markdown_under(entry.path, f"{prefix}{entry.name}/")
        elif entry.name.endswith(".md") and entry.is_file():
            yield f"{prefix}{entry.name}"
