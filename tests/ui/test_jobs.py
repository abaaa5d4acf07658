"""Issue 14 item 6: background jobs get the standard feedback by default (ui/jobs.py). A screen
says only what is special; the progress strip, the disabled button and the explained failure
come from `follow`. Real Runner, real widgets; the work is a coroutine held until the test
lets it go."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtWidgets import QMessageBox, QPushButton, QVBoxLayout, QWidget

from app.client import CosignerUnreachable
from ui.errors import ErrorBanner
from ui.jobs import follow
from ui.runner import Runner, in_thread, report
from ui.widgets import BusyStrip


@pytest.fixture
def runner(qapp):
    made = Runner()
    yield made
    made.stop()


class Screen(QWidget):
    """What a tab or dialog has: a button that starts work, a progress strip, a banner."""

    def __init__(self, with_banner: bool = True) -> None:
        super().__init__()
        self.button = QPushButton("Go")
        self.busy = BusyStrip()
        layout = QVBoxLayout(self)
        layout.addWidget(self.button)
        layout.addWidget(self.busy)
        if with_banner:
            self.banner = ErrorBanner()
            layout.addWidget(self.banner)


def held(release: threading.Event, outcome, progress: str | None = None):
    async def work():
        if progress:
            report(progress)
        await in_thread(release.wait, 10)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    return work


def test_a_failing_job_shows_the_error_and_gives_the_button_back(qtbot, runner):
    screen = Screen()
    qtbot.addWidget(screen)
    screen.show()
    release = threading.Event()
    job = runner.submit(held(release, CosignerUnreachable("no route")), label="Loading the keys")
    follow(job, screen, trigger=screen.button)
    assert not screen.button.isEnabled()  # no second click while the first one runs
    release.set()
    qtbot.waitUntil(lambda: not job.running, timeout=10_000)
    assert screen.button.isEnabled()
    assert screen.banner.isVisible()
    assert screen.banner.explanation.title == "The co-signer is not reachable"
    assert "no route" not in screen.banner.text()  # words for people, not the exception


def test_a_running_job_shows_its_progress_and_then_goes_away(qtbot, runner):
    screen = Screen()
    qtbot.addWidget(screen)
    screen.show()
    screen.banner.show_error(CosignerUnreachable("an earlier attempt"))
    release = threading.Event()
    results = []
    job = runner.submit(held(release, 7, "Halfway there"), label="Loading the keys")
    follow(job, screen, success=results.append)
    assert not screen.banner.isVisible()  # the last attempt's error is not this one's
    qtbot.waitUntil(
        lambda: screen.busy.isVisible() and screen.busy._label.text() == "Halfway there",
        timeout=10_000,
    )
    release.set()
    qtbot.waitUntil(lambda: results == [7], timeout=10_000)
    assert not screen.busy.isVisible() and not screen.banner.isVisible()


def test_the_job_label_is_the_first_progress_text(qtbot, runner):
    screen = Screen()
    qtbot.addWidget(screen)
    screen.show()
    release = threading.Event()
    job = runner.submit(held(release, None), label="Loading the keys")
    follow(job, screen)
    qtbot.waitUntil(screen.busy.isVisible, timeout=10_000)
    assert screen.busy._label.text() == "Loading the keys…"
    release.set()
    qtbot.waitUntil(lambda: not screen.busy.isVisible(), timeout=10_000)


def test_a_screen_without_a_banner_gets_a_message_box(qtbot, runner):
    screen = Screen(with_banner=False)
    qtbot.addWidget(screen)
    screen.show()
    release = threading.Event()
    release.set()
    job = runner.submit(held(release, CosignerUnreachable("down")), label="Checking")
    follow(job, screen, title="The keys could not be loaded")
    qtbot.waitUntil(lambda: bool(screen.findChildren(QMessageBox)), timeout=10_000)
    box = screen.findChildren(QMessageBox)[0]
    assert box.windowTitle() == "The keys could not be loaded"
    assert box.text() == "The co-signer is not reachable"


def test_a_special_failure_replaces_the_standard_one(qtbot, runner):
    screen = Screen()
    qtbot.addWidget(screen)
    release = threading.Event()
    release.set()
    seen = []
    job = runner.submit(held(release, CosignerUnreachable("down")), label="Checking")
    follow(job, screen, failure=seen.append, trigger=screen.button)
    qtbot.waitUntil(lambda: bool(seen), timeout=10_000)
    assert isinstance(seen[0], CosignerUnreachable)
    assert screen.banner.explanation is None and screen.button.isEnabled()
