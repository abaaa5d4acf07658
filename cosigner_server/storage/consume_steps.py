"""The parts of Storage.consume that are the same in every backend: the idempotency answers of a
request key seen before, the snapshot of a split that does not exist, the fail-closed guard and
the accepted result. The refusal rules themselves are the policy's (cosigner_server/policy.py)."""

from __future__ import annotations

from collections.abc import Callable

from ..model import ConsumeResult, ConsumeSnapshot, Refusal, UsageSummary
from .base import StorageError

Decide = Callable[[ConsumeSnapshot], Refusal | None]

# A request consumed but never answered because its server died (kill -9, power loss, a replica
# gone) would stay "in progress" forever, and so would its client's retry with the same request
# id. Past this age -- far beyond sign_deadline, after which a live server has released its own --
# the retry takes it over: the old use is released and the retry counted (once) instead.
STALE_PENDING_SECONDS = 120


def abandoned(stored_split: str, answer: str | None, pending_at: int, split_id: str,
              now: int) -> bool:  # fmt: skip
    return stored_split == split_id and answer is None and now - pending_at > STALE_PENDING_SECONDS


def replay_or_refusal(stored_split: str, answer: str | None, split_id: str) -> ConsumeResult:
    """A request key already recorded: the stored answer, or why it cannot be answered yet."""
    if stored_split != split_id:
        return ConsumeResult(
            refusal=Refusal(
                "request_key_reused", "this request id belongs to another split key", 409
            )  # fmt: skip
        )
    if answer is None:
        return ConsumeResult(
            refusal=Refusal(
                "request_in_progress",
                "the same request is being signed right now; retry shortly",
                409,
            )  # fmt: skip
        )
    return ConsumeResult(replay=answer)


def refused_missing(decide: Decide, now: int) -> ConsumeResult:
    """No such split: the policy words the refusal; accepting it fails closed."""
    snapshot = ConsumeSnapshot(now, False, "", None, False, False, 0, UsageSummary(0, 0, 0))
    refusal = decide(snapshot)
    if refusal is None:
        require_share(snapshot)
    return ConsumeResult(refusal=refusal)


def require_share(snapshot: ConsumeSnapshot) -> None:
    """Fail closed if a decide() accepted a split that has nothing to sign with."""
    if not (snapshot.exists and snapshot.has_server_share):
        raise StorageError("the policy accepted a split key whose server share is gone")


def accepted(share: bytes, usage: UsageSummary, value: int, signed_before: int) -> ConsumeResult:
    return ConsumeResult(
        sealed_server_share=share,
        usage_after=UsageSummary(
            usage.period_value + value, usage.period_count + 1, usage.total_uses + 1
        ),
        nonce_signed_before=signed_before,
    )
