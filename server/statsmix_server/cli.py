"""The ``statsmix-server`` command: serve the API and manage accounts.

Commands that make something print it, and its key or id alone on the last
line of standard output, so scripts can take ``tail -n 1``.
"""

from __future__ import annotations

import argparse
import logging
import sqlite3
import sys
from collections.abc import Sequence

from . import accounts
from .database import Database

__all__ = ["main"]

DEFAULT_DB = "statsmix.db"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    try:
        status: int = args.run(args)
    except _Refused as refusal:
        print(f"statsmix-server: {refusal}", file=sys.stderr)
        return 1
    return status


class _Refused(Exception):
    """A command that cannot do what was asked; the message says why."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="statsmix-server",
        description="A StatsMix-compatible API server on SQLite.",
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    serve = commands.add_parser("serve", help="serve the API")
    _add_db(serve)
    serve.add_argument("--host", default=DEFAULT_HOST)
    serve.add_argument("--port", type=int, default=DEFAULT_PORT)
    serve.add_argument(
        "--body-limit",
        type=int,
        default=None,
        metavar="BYTES",
        help="largest request body accepted (default 1 MiB)",
    )
    serve.add_argument("--log-level", default="info")
    serve.set_defaults(run=_serve)

    account_commands = _group(commands, "accounts", "manage accounts")
    create = account_commands.add_parser("create", help="make an account")
    _add_db(create)
    create.add_argument("--name", default="Account")
    create.add_argument("--monthly-limit", type=int, default=None, metavar="N")
    create.set_defaults(run=_create_account)
    listing = account_commands.add_parser("list", help="list the accounts")
    _add_db(listing)
    listing.set_defaults(run=_list_accounts)

    key_commands = _group(commands, "keys", "manage API keys")
    rotate = key_commands.add_parser(
        "rotate", help="replace an account's key; the old one stops working"
    )
    _add_db(rotate)
    which = rotate.add_mutually_exclusive_group(required=True)
    which.add_argument("--api-key", help="the account's current key")
    which.add_argument("--account", type=int, metavar="ID", help="the account id")
    rotate.set_defaults(run=_rotate_key)

    profile_commands = _group(commands, "profiles", "manage profiles")
    profile = profile_commands.add_parser("create", help="add a profile")
    _add_db(profile)
    profile.add_argument("--api-key", required=True)
    profile.add_argument("--name", required=True)
    profile.set_defaults(run=_create_profile)
    return parser


def _group(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    help_text: str,
) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    parser = commands.add_parser(name, help=help_text)
    parser.set_defaults(run=lambda _args: _usage(parser))
    return parser.add_subparsers(title="commands", metavar="COMMAND")


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _add_db(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        default=DEFAULT_DB,
        metavar="PATH",
        help=f"the SQLite file, created on first use (default ./{DEFAULT_DB})",
    )


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .app import DEFAULT_BODY_LIMIT, create_app

    body_limit = DEFAULT_BODY_LIMIT if args.body_limit is None else args.body_limit
    if body_limit <= 0:
        raise _Refused("--body-limit must be positive")
    app = create_app(args.db, body_limit=body_limit)
    # The multipart parser logs a warning for every malformed body a client
    # sends; the client is already told with a 400, so the log stays quiet.
    logging.getLogger("python_multipart").setLevel(logging.ERROR)
    # The access log would print query strings, and a query string may hold
    # an api_key: keys never reach a log, so it stays off.
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        access_log=False,
        log_level=args.log_level,
        timeout_graceful_shutdown=5,
    )
    return 0


def _create_account(args: argparse.Namespace) -> int:
    if args.monthly_limit is not None and args.monthly_limit < 0:
        raise _Refused("--monthly-limit must be 0 or more")

    database = Database(args.db)
    try:
        with database.write() as conn:
            account, key = accounts.create_account(conn, args.name, args.monthly_limit)
            profile_id = accounts.first_profile_id(conn, account.id)
    finally:
        database.close()

    limit = "none" if account.monthly_limit is None else account.monthly_limit
    print(f"account {account.id} {account.name!r}, monthly limit {limit}")
    print(f"profile {profile_id} {accounts.DEFAULT_PROFILE_NAME!r}")
    print(key)
    return 0


def _list_accounts(args: argparse.Namespace) -> int:
    database = Database(args.db)
    try:
        with database.read() as conn:
            rows = accounts.list_accounts(conn)
    finally:
        database.close()

    print(f"{'id':>5}  {'limit':>10}  {'this month':>10}  {'profiles':>8}  name")
    for row in rows:
        limit = "-" if row["monthly_limit"] is None else row["monthly_limit"]
        print(
            f"{row['id']:>5}  {limit:>10}  {row['requests']:>10}  "
            f"{row['profiles']:>8}  {row['name']}"
        )
    return 0


def _rotate_key(args: argparse.Namespace) -> int:
    database = Database(args.db)
    try:
        with database.write() as conn:
            account = _find_account(conn, args.api_key, args.account)
            key = accounts.rotate_key(conn, account.id)
    finally:
        database.close()

    print(f"account {account.id}: the previous key no longer works")
    print(key)
    return 0


def _create_profile(args: argparse.Namespace) -> int:
    database = Database(args.db)
    try:
        with database.write() as conn:
            account = _find_account(conn, args.api_key, None)
            profile_id = accounts.create_profile(conn, account.id, args.name)
    finally:
        database.close()

    print(f"profile {profile_id} {args.name!r} in account {account.id}")
    print(profile_id)
    return 0


def _find_account(
    conn: sqlite3.Connection, api_key: str | None, account_id: int | None
) -> accounts.Account:
    if api_key is not None:
        found = accounts.authenticate(conn, api_key)
        if found is None:
            raise _Refused("no account has that API key")
        return found

    found = accounts.get_account(conn, account_id or 0)
    if found is None:
        raise _Refused(f"no account has id {account_id}")
    return found
