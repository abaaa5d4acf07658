"""Hypothesis strategies more than one test module draws from."""

from __future__ import annotations

from hypothesis import strategies as st

from app.permissions import GROUPS, Permissions

HEX64 = st.text("0123456789abcdef", min_size=64, max_size=64)
caps = st.none() | st.integers(0, 10**15)


@st.composite
def permissions_st(draw, unrestricted: bool | None = None) -> Permissions:
    not_before = draw(st.none() | st.integers(0, 2**40))
    expires_at = draw(st.none() | st.integers((not_before or 0) + 1, 2**41))
    return Permissions(
        groups=frozenset(draw(st.sets(st.sampled_from(sorted(GROUPS))))),
        sign_messages=draw(st.booleans()),
        sign_raw_hashes=draw(st.booleans()),
        max_per_transaction=draw(caps),
        period_seconds=draw(st.integers(60, 10**8)),
        max_value_per_period=draw(caps),
        max_count_per_period=draw(st.none() | st.integers(0, 1000)),
        recipients=draw(st.none() | st.frozensets(HEX64, max_size=4)),
        not_before=not_before,
        expires_at=expires_at,
        max_uses=draw(st.none() | st.integers(0, 10**6)),
        unrestricted=draw(st.booleans()) if unrestricted is None else unrestricted,
        chain_id=draw(st.none() | HEX64),
    )
