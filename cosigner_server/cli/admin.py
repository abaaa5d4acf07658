"""The admin commands of app/cli/admin.py (defined once, shared with `splitkey admin`) registered
into `splitkey-cosigner`, with an admin token minted beside the server; and `users
recover-admin`, the one users command that works with the server stopped."""

from __future__ import annotations

import argparse

from app.cli.admin import ADMIN_COMMANDS, AdminCommand

from ._base import admin_client, emit


def register(sub: argparse._SubParsersAction, common, remote) -> None:
    from .initialise import cmd_users_recover_admin

    # `users` is both the listing (the shared command) and the group of the older spellings
    # (`users list | add | enable | disable`) and of recover-admin.
    users = sub.add_parser("users", parents=[common, remote], help="list users; add, enable ...")
    users_sub = users.add_subparsers(dest="users_command", metavar="ACTION")
    groups = {"users": users_sub}
    for definition in ADMIN_COMMANDS:
        if not definition.in_server_cli:
            continue
        if definition.name in groups:
            _bind(users, definition)
        else:
            _add(sub, definition.name, definition, common, remote)
        for *group, name in definition.legacy:
            target = groups[group[0]] if group else sub
            _add(target, name, definition, common, remote, f"the same as {definition.name}")
    p = users_sub.add_parser(
        "recover-admin",
        parents=[common],
        help="no enabled administrator left: make a new one (local, server stopped)",
    )
    p.add_argument("subject")
    p.set_defaults(func=cmd_users_recover_admin)


def _add(sub, name: str, definition: AdminCommand, common, remote, help_text: str = "") -> None:
    parser = sub.add_parser(name, parents=[common, remote], help=help_text or definition.help)
    _bind(parser, definition)


def _bind(parser: argparse.ArgumentParser, definition: AdminCommand) -> None:
    definition.add_arguments(parser)
    parser.set_defaults(func=_runner(definition))


def _runner(definition: AdminCommand):
    def run(args: argparse.Namespace) -> int:
        with admin_client(args) as api:
            status, data = definition.run(api, args)
        emit(args, data, definition.human)
        return status

    run.admin_command = definition  # type: ignore[attr-defined]  # which one, for tests
    return run
