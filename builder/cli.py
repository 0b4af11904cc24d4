"""Command line: build, check and serve. Exit 0 ok, 1 content or config errors, 2 usage."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import ContentError, SiteError
from .scaffold import KINDS


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m builder",
        description="Build the armed police patrols explainer from site.yaml and content/.")
    parser.add_argument("--root", type=Path, default=Path("."),
                        help="site root holding site.yaml (default: current folder)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    build = sub.add_parser("build", help="validate and write the site",
                           description="Validate the content and write the site.")
    build.add_argument("--out", type=Path, default=None,
                       help="output folder (default: output/ under the root)")
    build.add_argument("--base-url", default=None,
                       help="absolute URL the site is published at, ending in '/' "
                            "(default: base_url in site.yaml)")
    build.add_argument("--strict", action="store_true",
                       help="treat warnings (e.g. quotes not checked) as errors")
    check = sub.add_parser("check", help="validate only; write nothing",
                           description="Validate the content; write nothing.")
    check.add_argument("--strict", action="store_true", help="treat warnings as errors")
    serve = sub.add_parser("serve", help="build, serve with live reload, rebuild on change",
                           description="Serve the site locally and rebuild on every change.")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback)")
    serve.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    serve.add_argument("--out", type=Path, default=None, help="output folder")
    sub.add_parser("accounting", help="report how every article's sentences are accounted for",
                   description="For each article: sentences cited by a record, left out (with "
                   "a reason) and unaccounted; then each unaccounted sentence.")
    passages = sub.add_parser("passages", help="propose a source's passages (who speaks where)",
                              description="Print the passages of a source's article, proposed "
                              "from its quote marks and 'X said:' lines, as YAML to confirm "
                              "and paste under the source's 'passages:'.")
    passages.add_argument("source", help="source id, e.g. hampshire-christmas")
    new = sub.add_parser("new", help="write the skeleton of a new record",
                         description="Write a new record's skeleton: every required field, "
                         "each with a comment saying what it holds. A force, organisation, "
                         "alliance or source gets its own file; a person, event, statement "
                         "or figure is added to the list that holds it. An id already used "
                         "is refused.")
    new.add_argument("kind", choices=list(KINDS), help="what to write")
    new.add_argument("id", help="the new record's id, e.g. west-mercia")
    new.add_argument("--year", default=None,
                     help="an event's year: its timeline file (default: undated.yaml)")
    new.add_argument("--in", dest="body", default=None,
                     help="a statement's or figure's force, organisation or alliance id")
    schema = sub.add_parser("schema", help="write the JSON Schema of each record kind",
                            description="Write content/schemas/*.schema.json for editors: "
                            "every field described, the ids the content defines offered "
                            "where a reference must name one. Run it after adding a record.")
    schema.add_argument("--out", type=Path, default=None,
                        help="folder (default: content/schemas under the root)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = _parser().parse_args(argv)  # exits 2 on usage errors
    root: Path = args.root
    try:
        if args.command == "serve":
            from .serve import serve  # lazy: a build never imports the dev server

            return serve(root, args.host, args.port, args.out)
        if args.command == "new":
            return _new(root, args)
        if args.command == "schema":
            return _write_schemas(root, args.out or root / "content" / "schemas")
        if args.command in ("accounting", "passages"):
            return _report(root, args)
        from .build import build, check

        if args.command == "check":
            report = check(root, strict=args.strict)
        else:
            report = build(root, out=args.out, base_url=args.base_url, strict=args.strict)
    except ContentError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        count = sum(1 for p in exc.problems if not p.note)
        print(f"error: {count} problem{'s' if count != 1 else ''} found; nothing was written",
              file=sys.stderr)
        return 1
    except SiteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; the previous output is unchanged", file=sys.stderr)
        return 130
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(report.summary)
    return 0


def _report(root: Path, args: argparse.Namespace) -> int:
    """The authors' reports; they print even while the content has problems."""
    from .build import inspect
    from .passages import accounting_table, passages_yaml, propose

    records, _ = inspect(root)
    if not records.articles:
        print("error: the sources archive was not found; nothing to report", file=sys.stderr)
        return 1
    if args.command == "accounting":
        for line in accounting_table(records.accounts):
            print(line)
        return 1 if any(a.unaccounted for a in records.accounts) else 0
    if args.source not in records.articles:
        known = ", ".join(sorted(records.articles))
        print(f"error: unknown source '{args.source}'; one of: {known}", file=sys.stderr)
        return 2
    bodies = {**records.forces, **records.organisations, **records.alliances}
    print(passages_yaml(propose(records.articles[args.source], records.people, bodies)), end="")
    return 0


def _new(root: Path, args: argparse.Namespace) -> int:
    from .scaffold import Refused, new

    try:
        written = new(root, args.kind, args.id, args.year, args.body)
    except Refused as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.kind} '{args.id}' to {written}: fill in each field (the comments say "
          "what), then run `python -m builder check`, and `make schema` so that editors offer "
          "the new id")
    return 0


def _write_schemas(root: Path, folder: Path) -> int:
    """The editors' schemas, listing the ids the content defines (as far as it reads)."""
    from .build import inspect
    from .schemas import editor_schemas, ids_of

    schemas = editor_schemas(ids_of(inspect(root)[0]))
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in schemas.items():
        (folder / name).write_bytes(data)
    print(f"wrote {len(schemas)} schemas to {folder}")
    return 0
