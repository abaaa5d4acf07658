"""`python -m tests.netsim` runs the stand-in by itself: it prints its block_worker URL, whose
/network lists the nodes, funds what --fund names, and stops on SIGTERM."""

from __future__ import annotations

import json
import subprocess
import sys

import httpx

from tests.helpers import REPO


def test_the_stand_in_runs_by_itself_and_stops_on_sigterm():
    funded = "ab" * 32
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.netsim", "--miners", "3", "--sharders", "2",
         "--fund", f"{funded}=2.5"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        first = json.loads(proc.stdout.readline())
        listing = httpx.get(first["block_worker"] + "/network").json()
        assert len(listing["miners"]) == 3 and len(listing["sharders"]) == 2
        answer = httpx.get(
            listing["sharders"][0] + "v1/client/get/balance", params={"client_id": funded}
        )
        assert answer.json()["balance"] == 25_000_000_000
        unknown = httpx.get(
            listing["sharders"][1] + "v1/client/get/balance", params={"client_id": "cd" * 32}
        )
        assert (unknown.status_code, unknown.json()) == (400, {"error": "value not present"})
        plain = httpx.post(listing["miners"][0] + "v1/transaction/put", content=b"{}")
        assert (plain.status_code, plain.text) == (
            400,
            "Header Content-type=application/json not found",
        )
    finally:
        proc.terminate()
        assert proc.wait(20) == 0


def test_the_demo_faucet_funds_a_new_account_once():
    from tests.netsim import ZCN, StandInNetwork

    with StandInNetwork(miners=1, sharders=1, faucet=7 * ZCN) as net:
        url = net.sharders[0].url + "v1/client/get/balance"
        for _ in range(2):
            answer = httpx.get(url, params={"client_id": "ab" * 32}).json()
            assert answer["balance"] == 7 * ZCN
