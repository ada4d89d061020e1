"""The ``foi`` command: a thin layer of argument parsing over library functions.

Exit status: 0 published (or the command did its job), 1 publication withheld by the validation gate (or
Prefect's server could not start, so nothing ran), 2 bad arguments.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from pipeline import memory, prefect_env

EXIT_OK, EXIT_WITHHELD, EXIT_USAGE = 0, 1, 2
EXIT_FAILED = 1


def _cmd_run(args: argparse.Namespace) -> int:
    prefect_env.configure()
    memory.configure_process()
    raw = Path(args.raw)
    if not raw.is_dir():
        print(f"foi run: the returns folder '{raw}' does not exist. Give --raw DIR.", file=sys.stderr)
        return EXIT_USAGE
    from pipeline import prefect_server

    server = prefect_server.start_if_prefect_would()   # boots on the other core while Prefect is imported
    import flows  # imported late: Prefect reads its settings at import time
    from pipeline import progress

    from pipeline.validate import GateConfigError, load_gate
    from pipeline.vocabulary import VocabularyError, load_vocabulary

    try:
        load_vocabulary(Path(args.review) if args.review else None)
        load_gate(Path(args.gate) if args.gate else None)
    except (VocabularyError, GateConfigError, OSError) as error:
        print(f"foi run: {error}", file=sys.stderr)
        return EXIT_USAGE
    print(f"foi run: reading returns in {raw}/ for the 43 forces (Prefect starts first; this takes a few "
          f"seconds)", file=sys.stderr, flush=True)
    if server is not None:
        try:
            timeout = "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"
            server.wait_ready(float(os.environ.get(timeout, prefect_env.DEFAULTS[timeout])))
        except prefect_server.ServerStartError as error:
            print(f"foi run: {error}. Nothing was read or published.", file=sys.stderr)
            return EXIT_FAILED
    progress.start(43)
    try:
        runner = flows.make_task_runner(args.task_runner, args.dask_address)
        flow = flows.consolidate_returns.with_options(task_runner=runner)
        with prefect_server.flow_settings(server):
            outcome = flow(raw_dir=str(raw), out_dir=args.out, reports_dir=args.reports,
                           review_path=args.review or None, gate_path=args.gate or None)
    finally:
        progress.stop()
    statuses = ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in outcome["statuses"].items())
    if outcome["unchanged_since"]:
        print(f"No return, vocabulary, decision or setting changed since run {outcome['unchanged_since']}: "
              f"its result was reused, nothing was read again.")
    if outcome["published"]:
        counted = f" ({outcome['cases']} case rows, {outcome['counted']} counted)" if outcome["counted"] else ""
        print(f"Published {outcome['total']} cases{counted} from {sum(outcome['statuses'].values())} forces "
              f"({statuses}) to {outcome['out_dir']}/")
    else:
        print("Publication WITHHELD by the validation gate; the previous dataset is untouched.")
        for reason in outcome["withheld_reasons"]:
            print(f"  - {reason}")
    if outcome["quarantined"]:
        print(f"{outcome['quarantined']} rows quarantined (see the report).")
    if outcome["errors"]:
        print(f"{outcome['errors']} files or folders could not be read (named in the report).")
    print(f"Report: {outcome['report']}")
    return EXIT_OK if outcome["published"] else EXIT_WITHHELD


def _cmd_inspect(args: argparse.Namespace) -> int:
    from pipeline.inspect import inspect_file, propose_manifest

    path = Path(args.file)
    if not path.is_file():
        print(f"foi inspect: no such file: {path}", file=sys.stderr)
        return EXIT_USAGE
    result = inspect_file(path)
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    else:
        print(_describe_inspection(path, result))
    if args.manifest:
        print(propose_manifest(path, result))
    return EXIT_OK


def _describe_inspection(path: Path, result: dict) -> str:
    lines = [f"{path}: {result.get('kind')}"]
    if result.get("refusal_basis"):
        lines.append(f"  refusal basis: {', '.join(result['refusal_basis'])}")
    if result.get("evidence"):
        lines.append(f"  decided on: \"{result['evidence']}\"")
    for table in result.get("tables", []):
        where = f"page {table['page']}" if table.get("page") else f"sheet {table.get('sheet')}"
        lines.append(f"  table on {where}: {table.get('rows')} rows")
        for header, role in (table.get("column_roles") or {}).items():
            lines.append(f"    {header!r:40} -> {role or 'NOT UNDERSTOOD'}")
    for row in result.get("sample_rows", [])[:5]:
        lines.append(f"  sample: {row}")
    for finding in result.get("findings", []):
        lines.append(f"  {finding.get('severity', '')}: {finding.get('message', '')}")
    return "\n".join(lines)


def _cmd_add_return(args: argparse.Namespace) -> int:
    from pipeline.forces import UnknownForceError
    from pipeline.inspect import add_return

    files = [Path(f) for f in args.files]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        print(f"foi add-return: no such file: {', '.join(missing)}", file=sys.stderr)
        return EXIT_USAGE
    try:
        summary = add_return(args.force, files, Path(args.raw))
    except UnknownForceError as error:
        print(f"foi add-return: {error}", file=sys.stderr)
        return EXIT_USAGE
    print(json.dumps(summary, indent=2, ensure_ascii=False, default=str) if args.json
          else summary.get("text", json.dumps(summary, indent=2, default=str)))
    return EXIT_OK


def _cmd_map(args: argparse.Namespace) -> int:
    from pipeline.vocabulary import VocabularyError, load_vocabulary, map_lines

    try:
        vocabulary = load_vocabulary(Path(args.review) if args.review else None)
    except VocabularyError as error:
        print(f"foi map: {error}", file=sys.stderr)
        return EXIT_USAGE
    if args.field not in vocabulary.fields:
        print(f"foi map: '{args.field}' is not a vocabulary field; use one of {', '.join(vocabulary.fields)}",
              file=sys.stderr)
        return EXIT_USAGE
    for line in map_lines(args.field, (line.rstrip("\n") for line in sys.stdin),
                          review_path=Path(args.review) if args.review else None):
        print(line)
    return EXIT_OK


def _cmd_review(args: argparse.Namespace) -> int:
    from pipeline.vocabulary import pending_reviews

    pending = pending_reviews(Path(args.review))
    if not pending:
        print(f"Nothing awaits a decision in {args.review}.")
        return EXIT_OK
    print(f"{len(pending)} texts await a decision in {args.review} (fill in chosen_code):")
    for item in pending:
        print(f"  [{item['field']}] {item['text']!r} x{item['count']} ({item['forces']}) "
              f"suggested: {item['suggested_code'] or '-'}")
    return EXIT_OK


def _cmd_report(args: argparse.Namespace) -> int:
    from pipeline.report import summary_text

    reports = Path(args.reports)
    run_dir = reports / args.run if args.run else reports / "latest"
    if not run_dir.exists():
        print(f"foi report: no run '{args.run or 'latest'}' in {reports}/ (run `foi run` first)", file=sys.stderr)
        return EXIT_USAGE
    print(summary_text(run_dir.resolve()))
    return EXIT_OK


def _cmd_serve(args: argparse.Namespace) -> int:
    from pipeline.serve import serve

    return serve(cron=args.cron, raw_dir=args.raw, out_dir=args.out, reports_dir=args.reports)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="foi", description="Consolidate an FOI campaign's returns.")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="extract, map, validate and publish every return in raw/")
    run.add_argument("--raw", default="raw")
    run.add_argument("--out", default="published")
    run.add_argument("--reports", default="reports")
    run.add_argument("--review", default="review/decisions.csv", help="review decisions file ('' for none)")
    run.add_argument("--gate", default=None, help="publication gate file (default schemas/gate.yaml)")
    run.add_argument("--task-runner", choices=("thread", "dask"), default="thread")
    run.add_argument("--dask-address", default=None, help="tcp://host:8786 of an existing Dask scheduler")
    run.set_defaults(handler=_cmd_run)

    inspect = commands.add_parser("inspect", help="show what the pipeline sees in one file")
    inspect.add_argument("file")
    inspect.add_argument("--json", action="store_true")
    inspect.add_argument("--manifest", action="store_true", help="also print a proposed return.yaml")
    inspect.set_defaults(handler=_cmd_inspect)

    add = commands.add_parser("add-return", help="file a force's return into raw/<force-id>/")
    add.add_argument("force", help="force id, name or alias ('GMP', 'Devon & Cornwall')")
    add.add_argument("files", nargs="+")
    add.add_argument("--raw", default="raw")
    add.add_argument("--json", action="store_true")
    add.set_defaults(handler=_cmd_add_return)

    mapping = commands.add_parser("map", help="map texts on stdin to codes: text<TAB>code<TAB>method<TAB>confidence")
    mapping.add_argument("field")
    mapping.add_argument("--review", default="review/decisions.csv")
    mapping.set_defaults(handler=_cmd_map)

    review = commands.add_parser("review", help="list the texts that await a person's decision")
    review.add_argument("--review", default="review/decisions.csv")
    review.set_defaults(handler=_cmd_review)

    report = commands.add_parser("report", help="print the audit summary of a run")
    report.add_argument("run", nargs="?", default=None)
    report.add_argument("--reports", default="reports")
    report.set_defaults(handler=_cmd_report)

    serve = commands.add_parser("serve", help="serve the flow as a scheduled Prefect deployment")
    serve.add_argument("--cron", default="0 6 * * 1")
    serve.add_argument("--raw", default="raw")
    serve.add_argument("--out", default="published")
    serve.add_argument("--reports", default="reports")
    serve.set_defaults(handler=_cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
