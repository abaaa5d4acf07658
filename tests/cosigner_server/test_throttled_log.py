"""A flood of identical 503 warnings becomes one line and then a count (cosigner_server/logs.py)."""

from __future__ import annotations

import logging

from cosigner_server.logs import Throttled


def test_the_first_is_said_the_rest_counted_then_said_with_their_number(caplog) -> None:
    said = Throttled(logging.getLogger("test.throttled"), seconds=10.0)
    with caplog.at_level(logging.WARNING, logger="test.throttled"):
        for i in range(1000):
            said.warning("503: signing queue unavailable", now=100.0 + i * 0.005)  # 5 s
        said.warning("503: storage unavailable", now=104.0)  # another message: its own line
        said.warning("503: signing queue unavailable", now=110.0)  # the window is over
    lines = [r.getMessage() for r in caplog.records]
    assert lines == [
        "503: signing queue unavailable",
        "503: storage unavailable",
        "503: signing queue unavailable (and 999 more times since the last such line)",
    ]


def test_after_a_quiet_window_it_is_said_again_without_a_count(caplog) -> None:
    said = Throttled(logging.getLogger("test.throttled"), seconds=10.0)
    with caplog.at_level(logging.WARNING, logger="test.throttled"):
        said.warning("503: audit log unavailable", now=0.0)
        said.warning("503: audit log unavailable", now=60.0)
    assert [r.getMessage() for r in caplog.records] == ["503: audit log unavailable"] * 2
