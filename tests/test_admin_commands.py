"""The admin commands are defined once (app/cli/admin.py) and both CLIs register that one
definition: `splitkey admin NAME` and `splitkey-cosigner NAME` (plus the server CLI's older
spellings) reach the same call and renderer. The calls themselves run against a real server in
tests/test_cli_cosigner.py (splitkey) and tests/cosigner_server/test_admin_cli.py (the server
CLI); the exit-status table is checked here against both CLIs' help."""

from __future__ import annotations

import pytest

from app.cli.admin import ADMIN_COMMANDS, AdminCommand
from app.cli.errors import InputError
from app.cli.program import build_parser as splitkey_parser
from app.protocol.exit_codes import MEANINGS, ExitStatus, epilog
from cosigner_server.cli import build_parser as server_parser


def _argv(definition: AdminCommand) -> list[str]:
    """The least a command needs to parse: its positionals and required options."""
    argv: list[str] = []
    for arg in definition.args:
        first = arg.flags[0]
        if not first.startswith("-") and arg.options.get("nargs") != "?":
            argv.append("x")
        elif first.startswith("-") and arg.options.get("required"):
            argv += [first, "x"]
    return argv


@pytest.mark.parametrize("definition", ADMIN_COMMANDS, ids=lambda d: d.name)
def test_splitkey_admin_registers_the_definition(definition):
    args = splitkey_parser().parse_args(["admin", definition.name, *_argv(definition)])
    assert args.handler.admin_command is definition


@pytest.mark.parametrize(
    "definition", [d for d in ADMIN_COMMANDS if d.in_server_cli], ids=lambda d: d.name
)
def test_the_server_cli_registers_the_same_definition_and_its_old_spellings(definition):
    parser = server_parser()
    for spelling in [(definition.name,), *definition.legacy]:
        args = parser.parse_args([*spelling, *_argv(definition)])
        assert args.func.admin_command is definition, spelling


def test_the_old_server_spellings_are_all_still_there():
    parser = server_parser()
    for argv in (
        ["users", "list"], ["users", "add", "carol", "--role", "admin"], ["users", "enable", "u"],
        ["users", "disable", "u"], ["enroll", "u"], ["enroll-approve", "r"], ["wallets", "list"],
        ["splits", "list", "--wallet", "w"], ["revoke", "s"], ["freeze", "w", "--off"],
        ["remove-record", "w", "--reason", "r"], ["stats"],
    ):  # fmt: skip
        assert parser.parse_args(argv).func.admin_command in ADMIN_COMMANDS, argv
    added = parser.parse_args(["users", "add", "carol", "--role", "admin"])
    assert (added.subject, added.role) == ("carol", "admin")
    thawed = parser.parse_args(["freeze", "w", "--off"])
    assert thawed.off is True


def test_one_exit_status_table_in_both_clis():
    assert len({int(s) for s in ExitStatus}) == len(ExitStatus) == len(MEANINGS)
    assert splitkey_parser().epilog.endswith(epilog())
    assert server_parser().epilog == epilog()
    assert "3 refused by the co-signer, 4 co-signer unreachable" in epilog()


def test_user_create_without_a_subject_is_bad_input_before_any_request():
    definition = next(d for d in ADMIN_COMMANDS if d.name == "user-create")
    args = splitkey_parser().parse_args(["admin", "user-create", "--role", "admin"])
    with pytest.raises(InputError, match="SUBJECT"):
        definition.call(None, args)  # no client: nothing may be sent
    both = splitkey_parser().parse_args(["admin", "user-create", "--subject", "carol"])
    assert (both.subject or both.subject_option) == "carol"
