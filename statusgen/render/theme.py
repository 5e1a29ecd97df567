"""Load a theme: the site's ``themes/<name>/`` over the built-in default.

Loading happens once, at the start of a build (it reads files); rendering
afterwards is pure. Templates are compiled up front so that a syntax error
in a site's override is reported as a diagnostic, not a traceback mid-build.
"""

from __future__ import annotations

import functools
import hashlib
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

import jinja2
import jinja2.bccache

from statusgen.diagnostics import Diagnostic, error
from statusgen.render.rows import incident_row_maker, uptime_bar

BUILTIN_THEMES = Path(__file__).resolve().parent.parent / "themes"


@dataclass(frozen=True)
class Theme:
    """A ready template environment and the static files to copy."""

    env: jinja2.Environment
    static: tuple[tuple[str, bytes], ...]
    """(fingerprinted name, bytes): written under ``assets/``; templates name them with ``asset()``."""
    digest: str = ""
    """Of everything the theme is made from, but where its folders are (see :func:`_made_from`): what a page's look
    depends on besides its values."""


def _usable(folder: Path) -> bool:
    """The folder exists or can be made (a read-only checkout builds without it)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return True


def _static_files(folder: Path) -> dict[str, bytes]:
    if not folder.is_dir():
        return {}
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


class _CompiledInMemory(jinja2.BytecodeCache):
    """Compiled templates kept by this process, for builds without a cache folder (``--no-cache``, ``build --watch
    --no-cache`` rebuilding on every change, tests): like the folder, each is checked against its source's checksum."""

    def __init__(self) -> None:
        self._kept: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        data = self._kept.get(bucket.key)
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._kept[bucket.key] = bucket.bytecode_to_string()


_COMPILED_IN_MEMORY = _CompiledInMemory()

#: The theme this process loaded last, under a digest of everything it was made from (see :func:`_made_from`).
#: A warm process (``serve``, ``build --watch``) keeps building with it while no template or static file
#: changes: a new environment every build would leave the last one behind in reference cycles (its templates
#: and it point at each other), which only a full collection frees (see :mod:`statusgen.collector`).
_LAST: tuple[bytes, Theme] | None = None


#: The macros of ``macros.html`` that every template may call without importing them. A page calls them a
#: dozen times, each with one member of an enum, and a Jinja macro call costs far more than the few tags it makes.
#: ``incident_row`` and ``uptime_bar`` may be called so too: the built-in ones are made in Python (see
#: :mod:`statusgen.render.rows`).
BADGE_MACROS = ("status", "severity", "state_label")


def _theme_macro(env: jinja2.Environment, name: str, *, remember: bool) -> Callable[..., Any]:
    """The macro ``name`` of the theme's ``macros.html`` (the site's own when it overrides the file), as a function
    for the template globals. With ``remember``, for the built-in file, whose macros make their HTML from their
    arguments alone, what a call made is kept and returned again for the same arguments: the incident pages of
    a 10,000-incident site take a quarter less time."""
    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(env.get_template("macros.html").module, name)(*args, **kwargs)

    if not remember:
        return call
    made: dict[tuple[Any, ...], Any] = {}

    def remembered(*args: Any, **kwargs: Any) -> Any:
        if kwargs:
            return call(*args, **kwargs)
        try:
            return made[args]
        except KeyError:
            made[args] = result = call(*args)
            return result
        except TypeError:  # an argument that cannot be a key
            return call(*args)

    return remembered


def _made_from(search: list[tuple[str, str]], static: dict[str, bytes], name: str,
               compiled: Path | None) -> tuple[bytes, bytes]:
    """Digests of a theme's inputs: every file under its template folders (each as ``(role, path)``), its static
    files, and its settings. The second says only what each folder is for (what a page's look is made from,
    whatever path the site was given by: from the command line, ``-s site`` or a CI runner's checkout somewhere
    else); the first, from it, where the folders are too (what the environment is made from)."""
    what = hashlib.blake2b(f"{name}\0".encode(), digest_size=20)
    for role, folder in search:
        what.update(f"{role}\0".encode())
        for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
            what.update(f"{path.relative_to(folder).as_posix()}\0".encode())
            what.update(path.read_bytes())
            what.update(b"\0")
    for static_name, data in sorted(static.items()):
        what.update(f"static/{static_name}\0".encode())
        what.update(data)
        what.update(b"\0")
    look = what.digest()
    where = "\0".join([look.hex(), str(compiled), *(folder for _, folder in search)])
    return hashlib.blake2b(where.encode(), digest_size=20).digest(), look


def load_theme(site_dir: Path, name: str, compiled: Path | None = None) -> tuple[Theme | None, list[Diagnostic]]:
    """Build the theme, or report why a template cannot be used. ``compiled`` is a folder in which
    Jinja keeps compiled templates between builds (each checked against its source's checksum);
    without one, they are kept in this process's memory."""
    site_theme = site_dir / "themes" / name
    builtin = BUILTIN_THEMES / "default"
    roles = [(role, str(p / "templates")) for role, p in (("site", site_theme), ("built-in", builtin))
             if (p / "templates").is_dir()]
    search = [folder for _, folder in roles]
    if name != "default" and not site_theme.is_dir():
        return None, [error("statusgen.toml", 1, 1, "config-theme",
                            f"theme '{name}' was not found: expected a folder themes/{name}/ in the site")]
    global _LAST
    static = _static_files(builtin / "static")
    static.update(_static_files(site_theme / "static"))
    made_from, look = _made_from(roles, static, name, compiled)
    if _LAST is not None and _LAST[0] == made_from:
        return _LAST[1], []
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(search),
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True, default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
        bytecode_cache=(jinja2.FileSystemBytecodeCache(str(compiled)) if compiled and _usable(compiled)
                        else _COMPILED_IN_MEMORY),
    )
    problems: list[Diagnostic] = []
    for template_name in env.list_templates():
        try:
            env.get_template(template_name)
        except jinja2.TemplateSyntaxError as exc:
            where = Path(exc.filename).resolve() if exc.filename else None
            try:
                shown = where.relative_to(site_dir.resolve()).as_posix() if where else template_name
            except ValueError:
                shown = template_name
            problems.append(error(shown, exc.lineno or 1, 1, "template-syntax",
                                  f"template {template_name} does not compile: {exc.message}"))
    if problems:
        return None, problems
    fingerprinted = {name: fingerprint(name, data) for name, data in static.items()}

    def asset(name: str) -> str:
        """``assets/style.3f9a0c21d4.css``: the URL path of a static file, under its content hash."""
        if name not in fingerprinted:
            raise jinja2.TemplateRuntimeError(f"asset({name!r}): the theme has no static file {name!r}")
        return f"assets/{fingerprinted[name]}"

    @functools.cache  # every page inlines the favicon: encoded once, not 12,000 times
    def data_uri(name: str) -> str:
        """A static file inlined as a ``data:`` URI: one request fewer (the favicon)."""
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return f"data:{kind},{quote(static[name].decode('utf-8'), safe='/:=;,')}"

    env.globals["asset"] = asset
    env.globals["data_uri"] = data_uri
    own_macros = (site_theme / "templates" / "macros.html").is_file()
    badges = {macro: _theme_macro(env, macro, remember=not own_macros) for macro in BADGE_MACROS}
    env.globals.update(badges)
    env.globals["incident_row"] = (_theme_macro(env, "incident_row", remember=False) if own_macros
                                   else incident_row_maker(badges["severity"], badges["state_label"]))
    env.globals["uptime_bar"] = _theme_macro(env, "uptime_bar", remember=False) if own_macros else uptime_bar
    theme = Theme(env, tuple(sorted((fingerprinted[name], data) for name, data in static.items())), look.hex())
    _LAST = (made_from, theme)
    return theme, []


def fingerprint(name: str, data: bytes) -> str:
    """``style.css`` -> ``style.<10 hex of sha256>.css``: a changed file gets a new
    name, so every asset can be cached forever."""
    path = PurePosixPath(name)
    digest = hashlib.sha256(data).hexdigest()[:10]
    return str(path.with_name(f"{path.stem}.{digest}{path.suffix}"))
