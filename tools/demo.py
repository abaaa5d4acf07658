"""`make demo`: try a send end to end without tokens.

Starts the stand-in network (tests/netsim: a TEST DOUBLE of 0Chain, not 0Chain) on 127.0.0.1
with a faucet that gives every new wallet 100 ZCN the first time its balance is asked for, then
runs the desktop pointed at it, with its own settings and data in .demo/ (your real settings,
wallets and co-signer are not touched; shares still go to this computer's keyring). Choose
"This computer" as the co-signer in the first-run wizard, create a wallet, and Send.

The stand-in uses mainnet's chain id so that the built-in co-signer, which signs for mainnet by
default, signs for it; the demo's wallets are new and hold nothing on mainnet.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from app.transaction import MAINNET_CHAIN_ID  # noqa: E402
from tests.netsim import ZCN, StandInNetwork  # noqa: E402

FAUCET_ZCN = 100


def main() -> int:
    demo = REPO / ".demo"
    net = StandInNetwork(
        miners=4, sharders=4, block_time=0.5, chain_id=MAINNET_CHAIN_ID, faucet=FAUCET_ZCN * ZCN
    ).start()
    env = {
        **os.environ,
        "SPLITKEY_NETWORK": net.block_worker,
        "SPLITKEY_CHAIN_ID": MAINNET_CHAIN_ID,
        "SPLITKEY_CONFIG_DIR": str(demo / "config"),
        "SPLITKEY_DATA_DIR": str(demo / "data"),
    }
    print(f"stand-in network (a test double of 0Chain): {net.block_worker}", flush=True)
    print(f"every new wallet gets {FAUCET_ZCN} ZCN; settings and data in {demo}", flush=True)
    desktop = Path(sys.executable).with_name("splitkey")
    command = [str(desktop)] if desktop.exists() else [sys.executable, "-m", "ui.main"]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    child = subprocess.Popen(command, env=env, cwd=REPO)
    try:
        return child.wait()
    except KeyboardInterrupt:
        return 130
    finally:
        if child.poll() is None:  # stopped from outside: the desktop goes too
            child.terminate()
            child.wait(30)
        net.stop()


if __name__ == "__main__":
    sys.exit(main())
