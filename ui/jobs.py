"""Default feedback for background jobs (Anki's CollectionOp is the model): a screen hands its
job to `follow` and says only what is special about it; the rest is the same everywhere.

    job = ctx.cosigner(load, label=self.tr("Loading the keys"))
    follow(job, self, trigger=self.reload_button, success=self._loaded)

By default, while the job runs, the screen's progress strip (`owner.busy`, a BusyStrip) says
what is going on ("Loading the keys…", then whatever the job reports) and the button that
started it is disabled; the screen's old error is cleared. A failure is explained in the
screen's error banner (`owner.banner`) or, on a screen without one, in a message box; the button
comes back either way. ui/runner.py stays the one way to run work; this only listens to it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QWidget

from ui.errors import ErrorBanner, show_error
from ui.runner import Job
from ui.widgets import BusyStrip


def follow(
    job: Job,
    owner: QWidget,
    *,
    success: Callable[[Any], Any] | None = None,
    failure: Callable[[BaseException], Any] | None = None,
    trigger: QWidget | None = None,
    busy_text: str | None = None,
    cancellable: bool = True,
    title: str | None = None,
) -> Job:
    """Give `job` the standard feedback on `owner`'s screen and return it.

    success: called with the result. failure: replaces the standard explanation (banner or
    message box, whose title is `title`). trigger: disabled until the job ends. busy_text: the
    progress strip's first words (the job's label and an ellipsis when not given)."""
    banner, busy = getattr(owner, "banner", None), getattr(owner, "busy", None)
    if isinstance(banner, ErrorBanner):
        banner.clear()
    if isinstance(busy, BusyStrip):
        busy.track(job, busy_text or (job.label + "…" if job.label else ""), cancellable)
    if trigger is not None:
        trigger.setEnabled(False)
        job.done.connect(lambda: trigger.setEnabled(True))
    if success is not None:
        job.finished.connect(success)
    if failure is not None:
        job.failed.connect(failure)
    elif isinstance(banner, ErrorBanner):
        job.failed.connect(banner.show_error)
    else:
        job.failed.connect(lambda exc: show_error(owner, exc, title))
    return job
