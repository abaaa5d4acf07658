"""Every consumer of a shared name covers every member of its enum (app/protocol/enums.py):
the desktop's titles for refusal rules, the activity labels for audit events, the badges and
ordering of split statuses, the CLIs' role choices. Each test compares sets, so a member added
to an enum without its label fails here; and the server produces only names the enums hold
(read from its source, so a new rule spelled only in cosigner_server/ fails too)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app import activity, wallets
from app.protocol.enums import AuditEvent, Custody, ErrorCode, Outcome, Role, Rule, SplitStatus

SERVER = Path(__file__).resolve().parents[1] / "cosigner_server"


def server_source() -> str:
    return "\n".join(p.read_text() for p in sorted(SERVER.rglob("*.py")))


def missing_and_stale(enum: type, labelled) -> tuple[set[str], set[str]]:
    members, keys = {m.value for m in enum}, {str(k) for k in labelled}
    return members - keys, keys - members


# -- refusal rules ---------------------------------------------------------------------------


def test_the_desktop_titles_every_rule_and_advises_only_on_rules():
    errors = pytest.importorskip("ui.errors")
    assert missing_and_stale(Rule, errors.RULE_TITLES) == (set(), set())
    assert set(errors.RULE_ADVICE) <= {r.value for r in Rule}


def test_the_sign_tab_names_key_state_rules_that_exist():
    sign_tab = pytest.importorskip("ui.sign_tab")
    assert set(sign_tab.KEY_STATE_RULES) <= {r.value for r in Rule}


def test_the_server_refuses_only_with_rules_of_the_enum():
    source = server_source()
    produced = set(re.findall(r'Refusal\(\s*"([a-z_]+)"', source))
    produced |= set(re.findall(r'rule="([a-z_]+)"', source))
    produced |= set(re.findall(r'_too_many\([^)]*"([a-z_]+)"\)', source))
    assert len(produced) >= 25  # the scan finds the policy's, the limits' and the zauth ones
    assert produced - {r.value for r in Rule} == set()


# -- audit events and outcomes ----------------------------------------------------------------


def test_the_activity_trail_labels_every_audit_event():
    assert missing_and_stale(AuditEvent, activity.EVENTS) == (set(), set())


def test_a_labelled_event_reads_as_its_label_not_its_name():
    for event in AuditEvent:
        row = activity.row_of({"seq": 1, "event": event.value, "outcome": Outcome.OK.value})
        assert row.what.startswith(activity.EVENTS[event]), event


def test_the_server_records_only_events_and_outcomes_of_the_enums():
    source = server_source()
    events = set(re.findall(r'record\w*\(\s*\w+,\s*"([a-z_]+)"', source))
    events |= set(re.findall(r'event="([a-z_]+)"', source))
    # record(state, "wallet_frozen" if frozen else "wallet_unfrozen", ...): both names
    for pair in re.findall(r'record\w*\(\s*\w+,\s*"([a-z_]+)" if \w+ else "([a-z_]+)"', source):
        events |= set(pair)
    assert len(events) >= 15
    assert events - {e.value for e in AuditEvent} == set()
    outcomes = set(re.findall(r'outcome="([a-z_]+)"', source))
    assert outcomes and outcomes - {o.value for o in Outcome} == set()


def test_only_a_refused_outcome_is_shown_as_refused():
    for outcome in Outcome:
        row = activity.row_of({"seq": 1, "event": "cosign_refused", "outcome": outcome.value})
        assert row.refused == (outcome == Outcome.REFUSED), outcome


# -- split statuses, custody, roles, error codes -----------------------------------------------


def test_every_wallet_entry_status_has_a_badge_and_every_split_status_a_rank():
    wallet_list = pytest.importorskip("ui.wallet_list")
    assert {s.value for s in SplitStatus} <= {str(s) for s in wallets.ENTRY_STATUSES}
    assert {str(s) for s in wallets.ENTRY_STATUSES} == set(wallet_list.BADGE_COLOURS)
    ranks = [wallets.status_rank(s) for s in SplitStatus]
    assert sorted(ranks) == list(range(len(SplitStatus)))  # each its own place, none unknown
    assert wallets.status_rank(SplitStatus.ACTIVE) == 0  # a usable key first


@pytest.mark.parametrize("cli", ["app.cli.program", "cosigner_server.cli"])
def test_both_clis_offer_every_role(cli):
    module = pytest.importorskip(cli)
    parser = module.build_parser()
    choices = {
        tuple(action.choices)
        for action in _actions(parser)
        if "--role" in action.option_strings and action.choices
    }
    offered = {c for group in choices for c in group}
    assert {r.value for r in Role} <= offered, offered


def _actions(parser):
    for action in parser._actions:
        yield action
        for sub in (action.choices or {}).values() if isinstance(action.choices, dict) else ():
            yield from _actions(sub)


def test_the_server_answers_only_error_codes_of_the_enum():
    source = server_source()
    codes = set(re.findall(r'ApiError\(\s*[\w.]+,\s*"([a-z_]+)"', source))
    codes |= set(re.findall(r'\d{3}: "([a-z_]+)"', source))  # the middleware's status table
    assert len(codes) >= 10
    assert codes - {c.value for c in ErrorCode} == set()


def test_custody_is_what_wallet_views_accept():
    from app.protocol.bodies import WalletView, WireError

    view = {"client_id": "c", "public_key": "k", "owner_id": "o", "created_at": 1, "frozen": False}
    for custody in Custody:
        assert WalletView.from_dict({**view, "custody": custody.value}).custody == custody
    with pytest.raises(WireError):
        WalletView.from_dict({**view, "custody": "vault"})
