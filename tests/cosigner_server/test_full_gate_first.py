"""Under overload nearly every request meets a full signing gate; that refusal is made first,
before the rate limits, the body read and the handler (cosigner_server/admission.py)."""

from __future__ import annotations

import httpx

from app.protocol import routes as paths
from cosigner_server.admission import gate_of
from cosigner_server.bootstrap import init_data_dir

from .conftest import make_config, run_server


def _fill_the_gate(server) -> None:
    async def fill() -> None:
        gate = gate_of(server.state)
        gate.inside = gate.limit

    server.call(fill())


def _empty_the_gate(server) -> None:
    async def empty() -> None:
        gate_of(server.state).inside = 0

    server.call(empty())


def test_a_full_gate_refuses_signing_first_and_nothing_else(cosigner) -> None:
    _user, token = cosigner.add_user("alice")
    _fill_the_gate(cosigner)
    try:
        with httpx.Client(base_url=cosigner.url, timeout=10) as http:
            refused_before = gate_of(cosigner.state).refused
            # no token, a body that is not JSON: the gate answers before either is looked at
            for path in (paths.SIGN_TRANSACTION, paths.SIGN_MESSAGE, "/sign/txn"):
                answer = http.post(path, content=b"not json")
                assert answer.status_code == 503, (path, answer.text)
                assert answer.json()["error"]["code"] == "unavailable"
                assert answer.headers["Retry-After"] == "1"
                assert answer.headers["X-Content-Type-Options"] == "nosniff"
            assert gate_of(cosigner.state).refused == refused_before + 3
            # routes that do not sign are not gated
            assert http.get(paths.WALLETS).status_code == 401
            assert http.get(paths.WALLETS, headers=cosigner.headers(token)).status_code == 200
            assert http.get(paths.HEALTH).status_code == 200
    finally:
        _empty_the_gate(cosigner)
    with httpx.Client(base_url=cosigner.url, timeout=10) as http:
        # with room again, the same request gets its real answer: no token
        assert http.post(paths.SIGN_TRANSACTION, content=b"not json").status_code == 401


def test_a_full_gate_answers_before_the_rate_limits_and_spends_none_of_them(tmp_path) -> None:
    """Over the per-address rate, a signing request used to get 429 (and drain the bucket)
    before reaching the gate; with the gate full it gets the gate's 503 and the address keeps
    its allowance for when there is room again."""
    config = make_config(tmp_path / "cosigner", rate_per_ip=1, burst_per_ip=3)
    init_data_dir(config)
    for server in run_server(config):
        _fill_the_gate(server)
        with httpx.Client(base_url=server.url, timeout=10) as http:
            statuses = [
                http.post(paths.SIGN_TRANSACTION, content=b"{}").status_code for _ in range(10)
            ]
            assert statuses == [503] * 10
            _empty_the_gate(server)
            allowed = [
                http.post(paths.SIGN_TRANSACTION, content=b"{}").status_code for _ in range(4)
            ]
        assert allowed[:3] == [401] * 3 and allowed[3] == 429  # the allowance was all there
