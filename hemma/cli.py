"""The `hemma` command: Hemma's own tools, and every Django management command.

hemma pnr 19121212-1212     check a personnummer / samordningsnummer (JSON out)
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


TOOLS = {"pnr": _pnr}


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
