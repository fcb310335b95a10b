"""The `hemma` command: Hemma's own tools, and every Django management command.

hemma pnr 19121212-1212     check a personnummer / samordningsnummer (JSON out)
hemma news2 '{"pulse": 112, "spo2": 95}'   NEWS2 (RCP 2017) of a set of vitals (JSON out)
hemma plan --format solomon|mankowska FILE [--seconds N] [--seed S]   solve a benchmark file
hemma evaluate --format mankowska INSTANCE SOLUTION   recompute a published solution's cost
hemma migrate | runserver | load_demo | …   Django management commands
"""

import json
import os
import sys


def _pnr(args: list[str]) -> int:
    from hemma.clinical.identifiers import describe_personal_identity

    if len(args) != 1:
        print('usage: hemma pnr NUMBER   e.g. hemma pnr "19121212-1212"', file=sys.stderr)
        return 2
    result = describe_personal_identity(args[0])
    print(json.dumps(result, ensure_ascii=False))
    return 0 if result["valid"] else 1


def _news2(args: list[str]) -> int:
    from hemma.clinical.news2 import InvalidVitals, news2, vitals_from_dict

    if len(args) != 1:
        print(
            "usage: hemma news2 JSON   e.g. hemma news2 "
            '\'{"spo2": 95, "pulse": 112, "systolic_bp": 105, "temperature": 38.4}\'',
            file=sys.stderr,
        )
        return 2
    try:
        result = news2(vitals_from_dict(json.loads(args[0])))
    except json.JSONDecodeError as error:
        print(json.dumps({"error": f"invalid JSON: {error.msg}"}))
        return 1
    except (InvalidVitals, TypeError) as error:
        print(json.dumps({"error": str(error)}))
        return 1
    keys = ("total", "per_parameter", "any_single_3", "level", "complete", "missing")
    print(json.dumps({key: result.as_dict()[key] for key in keys}))
    return 0


def _routing_args(args: list[str], files: int):
    import argparse

    parser = argparse.ArgumentParser(prog="hemma", add_help=True)
    parser.add_argument("--format", choices=["solomon", "mankowska"], required=True)
    parser.add_argument("files", nargs=files)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args(args)


def _plan(args: list[str]) -> int:
    from hemma.routing import mankowska, solomon

    options = _routing_args(args, 1)
    try:
        if options.format == "solomon":
            instance = solomon.read(options.files[0])
            output = solomon.to_json(solomon.solve_routes(instance, options.seconds, options.seed))
        else:
            instance = mankowska.read(options.files[0])

            def progress(best):
                print(f"best so far {best:.3f}", file=sys.stderr)

            routes = mankowska.solve(instance, options.seconds, options.seed, progress)
            output = mankowska.to_json(instance, routes, mankowska.evaluate(instance, routes))
    except (OSError, solomon.BadInstance, mankowska.MissingDependency) as error:
        print(json.dumps({"error": str(error)}))
        return 1
    print(json.dumps(output))
    return 0


def _evaluate(args: list[str]) -> int:
    from hemma.routing import mankowska
    from hemma.routing.solomon import BadInstance

    options = _routing_args(args, 2)
    if options.format != "mankowska":
        print(json.dumps({"error": "evaluate reads the mankowska format"}))
        return 2
    try:
        instance = mankowska.read(options.files[0])
        with open(options.files[1]) as handle:
            routes = mankowska.parse_solution(handle.read(), instance)
    except (OSError, BadInstance) as error:
        print(json.dumps({"error": str(error)}))
        return 1
    print(json.dumps(mankowska.to_json(instance, routes, mankowska.evaluate(instance, routes))))
    return 0


TOOLS = {"pnr": _pnr, "news2": _news2, "plan": _plan, "evaluate": _evaluate}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in TOOLS:
        return TOOLS[argv[0]](argv[1:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hemma.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["hemma", *argv])
    return 0


if __name__ == "__main__":
    sys.exit(main())
