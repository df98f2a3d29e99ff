"""The command line of the user store: `python -m ui.auth add-user NAME ROLE [--region CODE]`
(the password from a prompt, or the first line of stdin) and `python -m ui.auth list-users`."""

from __future__ import annotations

import argparse
import getpass
import sys

from core.warehouse import help_examples
from ui.auth.policy import ROLES
from ui.auth.users import add_user, entries, read_config


def _read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Repeat password: ") != first:
            raise SystemExit("passwords differ")
        return first
    return sys.stdin.readline().rstrip("\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ui.auth",
                                     description="Logins and roles: who may see which page "
                                                 "and download what.")
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add-user", help="add or replace a user (password from a prompt or stdin)")
    add.add_argument("name")
    add.add_argument("role", choices=ROLES)
    found = help_examples(argv)  # this deployment's county as the help's example
    add.add_argument("--region", help="limit the user to this region's subtree"
                     + (f", e.g. {found.region}" if found else "")
                     + "; without it the user sees the whole deployment")
    sub.add_parser("list-users", help="user names and roles (never passwords)")
    args = parser.parse_args(argv)
    if args.command == "list-users":
        for name, entry in entries(read_config()).items():
            print(name, ",".join(entry.get("roles", [])), entry.get("region") or "*")
        return 0
    try:
        path = add_user(args.name, args.role, _read_password(), region=args.region)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    where = f", region {args.region}" if args.region else ""
    print(f"user {args.name.strip().lower()} ({args.role}{where}) written to {path}")
    return 0


if __name__ == "__main__":
    from core import cli

    cli.run(main)
