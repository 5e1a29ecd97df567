"""The command line: parse options, call one function, map the result to an exit code.

Exit codes: 0 success, 1 content errors, 2 usage errors.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from statusgen import __version__

if TYPE_CHECKING:
    from statusgen.build import BuildResult
    from statusgen.child import InChild
    from statusgen.sources import Walked

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2


def add_site_option(parser: argparse.ArgumentParser) -> None:
    """``-s/--site SITE_DIR``, the same for every command that reads a site."""
    parser.add_argument("-s", "--site", dest="site_dir", type=Path, default=Path("."), metavar="SITE_DIR",
                        help="the site directory (holding statusgen.toml); default: the current directory")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="statusgen", description="Build a static status page and postmortem archive.")
    parser.add_argument("--version", action="version", version=f"statusgen {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    build = commands.add_parser("build", help="build the site into the output directory",
                                description="Validate the content, then build the site. Nothing is written unless the whole site is valid.")
    add_site_option(build)
    build.add_argument("-o", "--output", type=Path, default=None, metavar="OUTPUT_DIR",
                       help="where to write the site; default: SITE_DIR/output")
    build.add_argument("--base-url", default=None, metavar="URL",
                       help="override base_url from statusgen.toml (for example for a preview deploy)")
    build.add_argument("--strict", action="store_true", help="treat warnings as errors")
    build.add_argument("--watch", action="store_true",
                       help="after building, rebuild whenever content/, themes/ or statusgen.toml change (Ctrl-C stops)")
    build.add_argument("--no-cache", action="store_true",
                       help="neither read nor write SITE_DIR/.statusgen-cache (what validating each file made, "
                            "kept so the next build only reads the files that changed)")
    build.add_argument("--internal", action="store_true",
                       help="also write the internal communication report (internal/communication/); the output "
                            "defaults to SITE_DIR/output-internal so it is never deployed with the public site")
    check = commands.add_parser("check", help="validate the content; report postmortem policy and communication audit findings",
                                description="Validate the content as build does, report overdue (error) and pending (note) "
                                            "postmortems, and audit every update and postmortem against the communication "
                                            "rules ('statusgen rules' lists them). Writes nothing. Exit 1 when there are errors.")
    add_site_option(check)
    check.add_argument("--format", choices=("text", "json", "github"), default="text",
                       help="text (default), json (stable, documented) or github (workflow annotations)")
    check.add_argument("--strict", action="store_true", help="treat warnings as errors")
    lint = commands.add_parser("lint", help="check one content file while you write it",
                               description="Report what check reports, for one incident or postmortem file only. "
                                           "The site is the nearest folder above the file holding statusgen.toml.")
    lint.add_argument("file", type=Path, metavar="FILE", help="a Markdown file under content/")
    lint.add_argument("-s", "--site", dest="site_dir", type=Path, default=None, metavar="SITE_DIR",
                      help="the site directory; default: found from the file")
    lint.add_argument("--format", choices=("text", "json", "github"), default="text", help="as for check")
    lint.add_argument("--strict", action="store_true", help="treat warnings as errors")
    serve = commands.add_parser("serve", help="preview the site: build, serve, rebuild on change, reload the browser",
                                description="Build into a temporary folder, serve it, and rebuild after every change to "
                                            "content/, themes/ or statusgen.toml; open pages reload themselves. A broken edit "
                                            "shows its diagnostics in the terminal and over the page, while the last good "
                                            "build stays served.")
    add_site_option(serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s, this machine only)")
    serve.add_argument("--port", type=int, default=8000, help="default: %(default)s; 0 picks a free port")
    serve.add_argument("--base-url", default=None, metavar="URL", help="override base_url from statusgen.toml")
    init = commands.add_parser("init", help="create a new status site",
                               description="Create statusgen.toml with commented defaults, an example incident, .gitignore "
                                           "and a GitHub Actions workflow (check on pull requests, deploy to GitHub Pages "
                                           "from main, scheduled rebuilds). Refuses to overwrite anything.")
    init.add_argument("directory", nargs="?", type=Path, default=Path("."), metavar="DIR", help="default: the current directory")
    init.add_argument("--title", default="Example Status", help="the page's name (default: %(default)s)")
    init.add_argument("--base-url", default="https://status.example.com/", metavar="URL",
                      help="where the site will be published (default: %(default)s)")
    init.add_argument("--install", default="statusgen", metavar="PIP_SPEC",
                      help="what the workflow installs with pip, e.g. a git URL of your copy (default: %(default)s)")
    list_ = commands.add_parser("list", help="list incidents with state, severity and age",
                                description="Incidents newest first: state, severity, age (since started) and slug.")
    add_site_option(list_)
    list_.add_argument("--open", action="store_true", help="only incidents that are not resolved")
    from statusgen.author_options import add_parsers

    add_parsers(commands, add_site_option)
    rules = commands.add_parser("rules", help="list the communication audit's rules, or explain one",
                                description="Each rule's id, default severity and what it asks for; with RULE, the why and "
                                            "how to fix a finding.")
    rules.add_argument("rule", nargs="?", metavar="RULE", help="a rule id, such as speculation")
    return parser


def _error(message: str) -> int:
    print(f"statusgen: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _site_of(file: Path) -> Path | None:
    for folder in file.resolve().parents:
        if (folder / "statusgen.toml").is_file():
            return folder
    return None


def _run_lint(args: argparse.Namespace) -> int:
    from statusgen.build import build_time
    from statusgen.check import FORMATS, check

    file: Path = args.file
    if not file.is_file():
        return _error(f"{file} is not a file")
    site_dir = args.site_dir if args.site_dir is not None else _site_of(file)
    if site_dir is None or not (site_dir / "statusgen.toml").is_file():
        return _error(f"no statusgen.toml found above {file}; give the site with -s SITE_DIR")
    try:
        relative = file.resolve().relative_to(site_dir.resolve() / "content")
    except ValueError:
        return _error(f"{file} is not under {site_dir / 'content'}")
    now, problem = build_time()
    if problem is not None:
        print(problem.format(), file=sys.stderr)
        return EXIT_USAGE
    diagnostics, ok = check(site_dir, now, strict=args.strict, only=f"content/{relative.as_posix()}")
    sys.stdout.write(FORMATS[args.format](diagnostics, ok))
    return EXIT_OK if ok else EXIT_CONTENT


def _run_init(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from statusgen.scaffold import InitError, init_site

    try:
        created = init_site(args.directory, title=args.title, base_url=args.base_url, install=args.install,
                            now=datetime.now(UTC))
    except InitError as exc:
        return _error(str(exc))
    for path in created.paths:
        print(f"created {args.directory / path}")
    print(f"Next: edit statusgen.toml (title, base_url, components), then run 'statusgen build -s {args.directory}'.")
    if args.install == "statusgen":
        print("The workflow installs statusgen with 'pip install statusgen'; rerun with --install to use another source.")
    return EXIT_OK


def _run_list(args: argparse.Namespace) -> int:
    from statusgen.build import build_time
    from statusgen.content import load_site
    from statusgen.durations import format_duration

    if not args.site_dir.is_dir():
        return _error(f"site directory {args.site_dir} does not exist")
    now, _ = build_time()
    loaded = load_site(args.site_dir)
    if loaded.site is None:
        for d in loaded.diagnostics:
            print(d.format(), file=sys.stderr)
        return EXIT_CONTENT
    rows = [(i.state.value, i.severity.value, format_duration(now - i.started), i.slug, i.title)
            for i in loaded.site.incidents if not (args.open and i.is_resolved)]
    if not rows:
        print("No open incidents." if args.open else "No incidents.")
        return EXIT_OK
    widths = [max(len(r[n]) for r in [*rows, ("STATE", "SEVERITY", "AGE", "SLUG", "")]) for n in range(4)]
    for row in [("STATE", "SEVERITY", "AGE", "SLUG", "TITLE"), *rows]:
        print("  ".join(cell.ljust(widths[n]) for n, cell in enumerate(row[:4])) + "  " + row[4])
    return EXIT_OK


def _run_rules(args: argparse.Namespace) -> int:
    from statusgen.audit.rules import RULES
    from statusgen.diagnostics import did_you_mean

    if args.rule is None:
        width = max(len(r) for r in RULES)
        for rule in RULES.values():
            print(f"{rule.id:<{width}}  {rule.severity.value:<7}  {rule.summary}")
        return EXIT_OK
    chosen = RULES.get(args.rule)
    if chosen is None:
        return _error(f"no rule '{args.rule}'{did_you_mean(args.rule, list(RULES))}; 'statusgen rules' lists them")
    print(f"{chosen.id} ({chosen.severity.value} by default, {chosen.group}): {chosen.summary}.\n\n"
          f"Why: {chosen.explanation}\n\nFix: {chosen.rewrite}")
    return EXIT_OK


def _run_check(args: argparse.Namespace) -> int:
    from statusgen.build import build_time
    from statusgen.check import FORMATS, check

    if not args.site_dir.is_dir():
        print(f"statusgen: error: site directory {args.site_dir} does not exist", file=sys.stderr)
        return EXIT_USAGE
    now, problem = build_time()
    if problem is not None:
        print(problem.format(), file=sys.stderr)
        return EXIT_USAGE
    diagnostics, ok = check(args.site_dir, now, strict=args.strict)
    sys.stdout.write(FORMATS[args.format](diagnostics, ok))
    return EXIT_OK if ok else EXIT_CONTENT


def _walk_meanwhile(site_dir: Path) -> InChild[Walked] | None:
    """A forked child taking :func:`statusgen.sources.walk` of ``site_dir`` (every content file and a ``stat`` of
    each: 50 ms at 10,000 incidents) while this process imports the build (a tenth of a second), for a build with
    a cache, which compares them with what it kept; None where this process cannot fork."""
    from statusgen.child import InChild, can_fork

    if not can_fork():
        return None

    def work() -> Walked:
        from statusgen.sources import walk

        return walk(site_dir)

    return InChild(work)


def _run_build(args: argparse.Namespace, left: list[object] | None = None) -> int:
    site_dir: Path = args.site_dir
    if not site_dir.is_dir():
        print(f"statusgen: error: site directory {site_dir} does not exist", file=sys.stderr)
        return EXIT_USAGE
    walked = _walk_meanwhile(site_dir) if not args.no_cache else None
    try:
        return _built(args, site_dir, left, walked)
    finally:
        if walked is not None:
            walked.close()


def _built(args: argparse.Namespace, site_dir: Path, left: list[object] | None, walked: InChild[Walked] | None) -> int:
    from statusgen.build import build
    from statusgen.cache import CACHE_DIR, ValidationCache
    from statusgen.cache import FILE as CACHE_FILE
    from statusgen.progress import TerminalProgress
    from statusgen.write import OutputError

    output: Path = args.output if args.output is not None else site_dir / ("output-internal" if args.internal else "output")
    if output.resolve() == site_dir.resolve() or site_dir.resolve().is_relative_to(output.resolve()):
        print(f"statusgen: error: output {output} would replace the site itself; choose another --output", file=sys.stderr)
        return EXIT_USAGE
    cache = None if args.no_cache else ValidationCache(site_dir / CACHE_DIR / CACHE_FILE)
    progress = TerminalProgress.for_stream(sys.stderr)
    try:
        left = left if left is not None and not args.watch else None  # --watch goes on with another cache
        result = build(site_dir, output, base_url=args.base_url, strict=args.strict, internal=args.internal, cache=cache,
                       progress=progress, leave=left, walked=walked)
        if left is not None:
            left.append(cache)
    except OutputError as exc:
        print(f"statusgen: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        if progress:
            progress.clear()
    code = report_build(result, output, strict=args.strict)
    if code != EXIT_OK or not args.watch:
        return code
    from statusgen.serve import watch_build

    return watch_build(site_dir, output, base_url=args.base_url, strict=args.strict, on_disk=not args.no_cache,
                       report=lambda rebuilt: report_build(rebuilt, output, strict=args.strict))


def report_build(result: BuildResult, output: Path, *, strict: bool) -> int:
    """Print a build's diagnostics and summary line; the exit code it deserves."""
    from statusgen.diagnostics import Severity

    for diagnostic in result.diagnostics:
        print(diagnostic.format(), file=sys.stderr)
    if not result.ok:
        errors = sum(d.severity is Severity.ERROR or (strict and d.severity is Severity.WARNING) for d in result.diagnostics)
        print(f"statusgen: build failed with {errors} error{'s' if errors != 1 else ''}; {output} was left unchanged",
              file=sys.stderr)
        return EXIT_CONTENT
    warnings = sum(d.severity is Severity.WARNING for d in result.diagnostics)
    note = f", {warnings} warning{'s' if warnings != 1 else ''}" if warnings else ""
    size = f"{result.bytes / 1_048_576:.1f} MB" if result.bytes >= 1_048_576 else f"{result.bytes / 1024:.0f} KB"
    kept = f", {result.reused} unchanged" if result.reused else ""
    print(f"Built {result.pages} pages ({result.files} files, {size}{kept}) in {result.seconds:.2f}s{note} -> {output}/index.html",
          flush=True)
    return EXIT_OK


def _run_serve(args: argparse.Namespace) -> int:
    from statusgen.serve import serve

    if not (args.site_dir / "statusgen.toml").is_file():
        return _error(f"no statusgen.toml in {args.site_dir}: give the site with -s SITE_DIR")
    return serve(args.site_dir, host=args.host, port=args.port, base_url=args.base_url,
                 report=lambda result, output: report_build(result, output, strict=False))


def run() -> None:
    """The ``statusgen`` command: :func:`main`, then the end of the process. After a build, the process ends
    without freeing what the build made (the site, the cache) one object at a time, which took about 0.1 s at
    10,000 incidents: the system takes the memory back whole. Every file it wrote is closed; what it printed
    is flushed first."""
    left: list[object] = []
    code = main(left=left)
    if not left:
        sys.exit(code)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing more can be said there
            stream.flush()
    os._exit(code)


def main(argv: Sequence[str] | None = None, *, left: list[object] | None = None) -> int:
    """Entry point for the ``statusgen`` command. ``left``: where a build puts what it made rather than free it,
    for a process that ends right after (see :func:`run`)."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help/--version
        return int(exc.code) if isinstance(exc.code, int) else EXIT_USAGE
    if args.command == "build":
        return _run_build(args, left)
    if args.command == "check":
        return _run_check(args)
    if args.command == "lint":
        return _run_lint(args)
    if args.command == "rules":
        return _run_rules(args)
    if args.command == "init":
        return _run_init(args)
    if args.command == "list":
        return _run_list(args)
    if args.command == "serve":
        return _run_serve(args)
    if args.command in ("new", "update", "resolve"):
        from statusgen.author_commands import run

        return run(args)
    parser.print_help(sys.stderr)
    return EXIT_USAGE
