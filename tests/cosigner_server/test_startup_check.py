"""Start-up damage detection that does not read the whole database on every start: the full
integrity_check after an unclean shutdown, when the files changed since a clean one, or when
asked (startup_check = full); the cheap check after a clean shutdown. A damaged file is never
served: the corruption trials in tests/faults run unchanged on top of these."""

from __future__ import annotations

import asyncio
import logging
import shutil
import uuid
from pathlib import Path

import pytest

from cosigner_server.bootstrap import InitError, close_state, init_data_dir, load_state
from cosigner_server.storage.sqlite import SQLiteStorage

from .conftest import make_config
from .storage_conformance import user

CHEAP = "start-up database check: cheap"
FULL = "start-up database check: full integrity_check"


def start_and_stop(config, caplog) -> str:
    """Start the state, stop it cleanly; which check ran."""
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="splitkey.cosigner"):

        async def cycle() -> None:
            state = await load_state(config, start_pool=False)
            await state.storage.add_user(user(uuid.uuid4().hex))  # a write: the file changes
            await close_state(state)

        asyncio.run(cycle())
    ran = [r.getMessage() for r in caplog.records if "start-up database check" in r.getMessage()]
    assert len(ran) == 1, ran
    return ran[0]


@pytest.fixture
def config(tmp_path: Path):
    config = make_config(tmp_path / "cosigner")
    init_data_dir(config)
    return config


def test_full_check_on_first_start_then_cheap_after_clean_shutdowns(config, caplog):
    assert start_and_stop(config, caplog) == FULL  # no clean shutdown recorded yet
    assert start_and_stop(config, caplog) == CHEAP
    assert start_and_stop(config, caplog) == CHEAP
    assert not Path(f"{config.db_path}-wal").exists()


def test_unclean_shutdown_leads_to_a_full_check(config, caplog):
    start_and_stop(config, caplog)

    async def crash() -> None:
        # Opened and written, never closed: what kill -9 leaves (no marker, a WAL).
        storage = SQLiteStorage(config.db_path)
        await storage.open()
        await storage.add_user(user("crashed"))
        storage._executor = None  # forget it without closing, as a killed process would

    asyncio.run(crash())
    assert start_and_stop(config, caplog) == FULL
    assert start_and_stop(config, caplog) == CHEAP


def test_files_changed_after_a_clean_shutdown_get_the_full_check(config, caplog):
    start_and_stop(config, caplog)
    start_and_stop(config, caplog)
    # A write in place (same inode, same size, even the same byte): the full check runs.
    with open(config.db_path, "r+b") as f:
        f.seek(5000)
        byte = f.read(1)
        f.seek(5000)
        f.write(byte)
    assert start_and_stop(config, caplog) == FULL
    # A damaged page after a clean shutdown: refused at start, with words an operator reads.
    start_and_stop(config, caplog)
    with open(config.db_path, "r+b") as f:
        f.seek(4096 + 5)  # page 2's cell count: the b-tree no longer adds up
        f.write(b"\x7f\x7f")
    with pytest.raises(InitError, match="integrity check"):
        start_and_stop(config, caplog)


def test_a_copied_data_directory_is_checked_in_full(config, caplog, tmp_path):
    start_and_stop(config, caplog)
    start_and_stop(config, caplog)
    copy = tmp_path / "copy"
    shutil.copytree(config.data_dir, copy)  # the marker comes along, the inodes do not
    assert start_and_stop(make_config(copy), caplog) == FULL


def test_startup_check_full_on_demand(config, caplog, monkeypatch):
    start_and_stop(config, caplog)
    monkeypatch.setenv("SPLITKEY_COSIGNER_STARTUP_CHECK", "full")
    assert start_and_stop(make_config(config.data_dir), caplog) == FULL
    monkeypatch.setenv("SPLITKEY_COSIGNER_STARTUP_CHECK", "sometimes")
    with pytest.raises(ValueError, match="startup_check must be auto or full"):
        make_config(config.data_dir)
