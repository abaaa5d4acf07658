"""The 0Chain network client: 0dns, sharders and miners, by gosdk's rules.

    with NetworkClient(current_network()) as net:
        net.nodes()                    # miners and sharders from {block_worker}/network
        net.balance(client_id)         # >= 3 sharders, their agreement counted
        net.submit(signed_tx)          # max(3, ceil(min_submit% x miners)) random miners
        net.status(hash)               # verified confirmations from min_confirmation% of sharders
        net.send(build, client_id)     # nonce + fee, build(nonce, fee) signs, submit, retry once

`AsyncNetworkClient` has the same methods, awaitable (the desktop's). Both are written once:
each method is a generator ("flow") that yields what it needs — a batch of HTTP requests sent
in parallel, a pause, or a call back into the caller (to sign) — and the two clients differ
only in how they do those.

Errors (app/network/errors.py): NetworkUnreachable / NoConsensus (exit 7), TransactionRefused
(exit 6, the node's reason), UntrustedConfirmation (exit 5). A transaction is only reported
"confirmed" from confirmations that verified (app/network/proofs.py) and agree.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import math
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import httpx

from app.http_owner import OwnsAsyncHttp, OwnsHttp
from app.network.errors import (
    NetworkUnreachable,
    NoConsensus,
    NonceRefused,
    TransactionRefused,
    UntrustedConfirmation,
)
from app.network.proofs import ProofError, VerifiedConfirmation, verify_confirmation
from app.network.results import (
    CONFIRMED,
    FAILED,
    PENDING,
    Balance,
    Nodes,
    Submitted,
    TxStatus,
)
from app.network.settings import NetworkSettings
from app.transaction import NODE_CLOCK_TOLERANCE, Transaction, check_for_network

USER_AGENT = "splitkey-network/0.1"
DISCOVERY_TTL = 3600.0  # gosdk refreshes the node list hourly
NONCE_ERRORS = ("invalid transaction nonce", "invalid future transaction")
VALUE_NOT_PRESENT = "value not present"
# How long a pending transaction is followed: the node's tolerance for creation_date, after
# which no miner takes it and a pool drops it, plus time for the block to reach the sharders.
EXPIRY_GRACE = 30


# -- what a flow yields ------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    params: dict[str, str] | None = None
    body: bytes | None = None


@dataclass(frozen=True)
class Reply:
    url: str
    status: int | None  # None: no answer (refused, timeout, TLS)
    body: bytes = b""
    error: str = ""

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None


@dataclass(frozen=True)
class Pause:
    seconds: float


@dataclass(frozen=True)
class Callback:
    fn: Callable[..., Any]
    args: tuple = ()


Flow = Generator[Any, Any, Any]


def _base(url: str) -> str:
    return url.rstrip("/")


def node_error_text(reply: Reply) -> str:
    """One message from either node error shape ({"error","code"} or {"error"}) or plain text."""
    data = reply.json()
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        return data["error"]
    text = reply.body.decode("utf-8", "replace").strip()
    return text[:300] or f"HTTP {reply.status}"


# -- the flows, written once -------------------------------------------------------------------


class _NetworkApi:
    def __init__(
        self,
        settings: NetworkSettings,
        *,
        transport: Any = None,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings
        self._transport = transport
        self._rng = rng or random.SystemRandom()
        self._nodes: Nodes | None = None
        self._nodes_at = 0.0
        self._failures: Counter[str] = Counter()  # node health: consecutive failures
        self._fees: dict | None = None
        self._next_nonce: dict[str, int] = {}  # gosdk's local nonce cache
        self._lock = threading.Lock()

    def _http_options(self) -> dict[str, Any]:
        return {
            "timeout": self.settings.timeout,
            "headers": {"User-Agent": USER_AGENT, "Accept": "application/json"},
            "follow_redirects": False,
            "trust_env": False,
            **({"transport": self._transport} if self._transport is not None else {}),
        }

    def _note(self, replies: list[Reply]) -> None:
        for reply in replies:
            if reply.status is None or reply.status >= 500:
                self._failures[_base(reply.url)] += 1
            else:
                self._failures.pop(_base(reply.url), None)

    def _pick(self, urls: tuple[str, ...], count: int) -> list[str]:
        """`count` nodes at random, the healthy (fewest recent failures) first."""
        shuffled = list(urls)
        self._rng.shuffle(shuffled)
        shuffled.sort(key=lambda u: self._failures[_base(u)])
        return shuffled[: max(0, min(count, len(shuffled)))]

    # -- discovery --

    def _nodes_flow(self, refresh: bool = False) -> Flow:
        fresh = self._nodes and time.monotonic() - self._nodes_at < DISCOVERY_TTL
        if fresh and not refresh:
            return self._nodes
        url = _base(self.settings.block_worker) + "/network"
        (reply,) = yield [Request("GET", url)]
        if reply.status is None:
            raise NetworkUnreachable(f"no answer from {url}: {reply.error}")
        data = reply.json()
        lists = [data.get(k) if isinstance(data, dict) else None for k in ("miners", "sharders")]
        if reply.status != 200 or not all(isinstance(v, list) and v for v in lists):
            raise NetworkUnreachable(
                f"{url} did not list miners and sharders (HTTP {reply.status})"
            )
        if not all(
            isinstance(u, str) and u.startswith(("http://", "https://")) for v in lists for u in v
        ):
            raise NetworkUnreachable(f"{url} listed a node that is not an http(s) URL")
        self._nodes = Nodes(tuple(lists[0]), tuple(lists[1]))
        self._nodes_at = time.monotonic()
        return self._nodes

    # -- balance and nonce --

    def _balance_flow(self, client_id: str) -> Flow:
        nodes = yield from self._nodes_flow()
        asked = self._pick(nodes.sharders, max(self.settings.sharder_consensus, 3))
        replies = yield [
            Request("GET", _base(u) + "/v1/client/get/balance", {"client_id": client_id})
            for u in asked
        ]
        self._note(replies)
        votes: Counter[str] = Counter()
        for reply in replies:
            data = reply.json()
            if reply.status == 200 and isinstance(data, dict) and _is_balance(data):
                votes[json.dumps(data, sort_keys=True)] += 1
            elif isinstance(data, dict) and data.get("error") == VALUE_NOT_PRESENT:
                votes[""] += 1  # a new account: balance 0, nonce 0
        answered = sum(votes.values())
        if not answered:
            raise NetworkUnreachable(f"none of the {len(asked)} sharders asked gave a balance")
        (best, count), *rest = votes.most_common(2) + [("", 0)]
        tie = rest[0][1] == count
        if tie or count < _agreement_needed(len(asked)):
            raise NoConsensus(
                f"the sharders do not agree on the balance ({count} of {len(asked)} gave the "
                "same answer)"
            )
        data = json.loads(best) if best else {"balance": 0, "nonce": 0, "round": None}
        return Balance(
            client_id, data["balance"], data.get("nonce", 0), data.get("round"), count, len(asked)
        )

    # -- fees --

    def _fees_flow(self) -> Flow:
        if self._fees is not None:
            return self._fees
        nodes = yield from self._nodes_flow()
        count = max(3, math.ceil(len(nodes.miners) * 0.2))
        asked = self._pick(nodes.miners, count)
        replies = yield [Request("GET", _base(u) + "/v1/fees_table") for u in asked]
        self._note(replies)
        votes = Counter(
            json.dumps(r.json(), sort_keys=True)
            for r in replies
            if r.status == 200 and isinstance(r.json(), dict)
        )
        if not votes:
            raise NetworkUnreachable("no miner gave its fee table")
        self._fees = json.loads(votes.most_common(1)[0][0])
        return self._fees

    def _transfer_fee_flow(self) -> Flow:
        table = yield from self._fees_flow()
        fee = table.get("transfer", {}).get("transfer") if isinstance(table, dict) else None
        if type(fee) is not int or fee < 0:
            raise NetworkUnreachable("the miners' fee table has no transfer fee")
        return fee

    # -- submit --

    def _submit_flow(self, tx: Transaction) -> Flow:
        check_for_network(tx, int(time.time()))
        nodes = yield from self._nodes_flow()
        count = max(3, math.ceil(len(nodes.miners) * self.settings.min_submit / 100))
        chosen = self._pick(nodes.miners, count)
        # gosdk's body: the txn JSON plus the two fields it always sends
        body = json.dumps({**tx.to_dict(), "txn_output_hash": "", "transaction_status": 0})
        replies = yield [
            Request("POST", _base(u) + "/v1/transaction/put", body=body.encode()) for u in chosen
        ]
        self._note(replies)
        accepted = [r for r in replies if r.status == 200]
        if accepted:
            self._next_nonce[tx.client_id] = tx.transaction_nonce + 1
            return Submitted(tx.hash, len(accepted), len(chosen), tx)
        self._next_nonce.pop(tx.client_id, None)
        answered = [r for r in replies if r.status is not None and r.status < 500]
        if not answered:
            raise NetworkUnreachable(f"none of the {len(chosen)} miners took the transaction")
        reasons = Counter(node_error_text(r) for r in answered)
        reason = reasons.most_common(1)[0][0]
        nonce_reason = next((m for m in reasons if any(e in m for e in NONCE_ERRORS)), None)
        if nonce_reason:
            raise NonceRefused(nonce_reason)
        raise TransactionRefused(reason)

    def _send_flow(self, build: Callable[[int, int], Any], client_id: str, fee: int | None) -> Flow:
        """Nonce (chain's + 1, or the local cache), fee (the table's transfer fee unless given),
        build(nonce, fee) -> a signed Transaction, submit; on a nonce refusal fetch the nonce
        again and build (= sign again: the nonce is hashed) once more, as gosdk does."""
        if fee is None:
            fee = yield from self._transfer_fee_flow()
        nonce = yield from self._nonce_flow(client_id)
        tx = yield Callback(build, (nonce, fee))
        try:
            return (yield from self._submit_flow(tx))
        except NonceRefused:
            self._next_nonce.pop(client_id, None)
            nonce = yield from self._nonce_flow(client_id)
            tx = yield Callback(build, (nonce, fee))
            return (yield from self._submit_flow(tx))

    def _nonce_flow(self, client_id: str) -> Flow:
        balance = yield from self._balance_flow(client_id)
        return max(balance.nonce + 1, self._next_nonce.get(client_id, 0))

    # -- confirmation --

    def _status_flow(self, hash_: str) -> Flow:
        nodes = yield from self._nodes_flow()
        asked = list(nodes.sharders)
        replies = yield [
            Request(
                "GET",
                _base(u) + "/v1/transaction/get/confirmation",
                {"hash": hash_, "content": "lfb"},
            )
            for u in asked
        ]
        self._note(replies)
        verified: list[VerifiedConfirmation] = []
        rejected: list[str] = []
        answered = 0
        for reply in replies:
            data = reply.json()
            if reply.status is None or not isinstance(data, dict):
                continue
            answered += 1
            conf = data.get("confirmation") if "confirmation" in data else None
            if conf is None and isinstance(data.get("txn"), dict):
                conf = data  # the default content: the confirmation itself
            if conf is None:
                continue  # not found (yet) on this sharder
            try:
                verified.append(verify_confirmation(conf, hash_))
            except ProofError as exc:
                rejected.append(str(exc))
        need = max(1, math.ceil(len(asked) * self.settings.min_confirmation / 100))
        if answered < need:
            raise NetworkUnreachable(f"only {answered} of {len(asked)} sharders answered")
        groups = Counter((v.block_hash, v.transaction_status) for v in verified)
        if groups:
            (block, status), count = groups.most_common(1)[0]
            if count >= need:
                best = next(
                    v for v in verified if (v.block_hash, v.transaction_status) == (block, status)
                )
                return TxStatus(
                    hash_,
                    CONFIRMED if status == 1 else FAILED,
                    status,
                    best.round,
                    best.block_hash,
                    best.output,
                    count,
                    len(asked),
                    tuple(rejected),
                )
        if rejected and not verified:
            raise UntrustedConfirmation(
                f"{len(rejected)} sharder(s) sent a confirmation that does not verify: "
                f"{rejected[0]}"
            )
        return TxStatus(
            hash_, PENDING, sharders_agreeing=0, sharders_asked=len(asked), rejected=tuple(rejected)
        )

    def _wait_flow(self, hash_: str, creation_date: int | None, poll: float) -> Flow:
        """Poll until confirmed or failed; a transaction not in a block after its expiry
        (creation_date + the node's tolerance + grace) has been dropped: failed, nonce unused."""
        deadline = (creation_date or int(time.time())) + NODE_CLOCK_TOLERANCE + EXPIRY_GRACE
        while True:
            status = yield from self._status_flow(hash_)
            if status.status != PENDING:
                return status
            if time.time() > deadline:
                return TxStatus(
                    hash_,
                    FAILED,
                    None,
                    output="not in a block before it expired; "
                    "the network dropped it and its nonce is still unused",
                    sharders_asked=status.sharders_asked,
                    rejected=status.rejected,
                )
            yield Pause(poll)

    # -- the public face: the same on both clients --

    def nodes(self, refresh: bool = False):
        return self._run(self._nodes_flow(refresh))

    def balance(self, client_id: str):
        return self._run(self._balance_flow(client_id))

    def fees_table(self):
        return self._run(self._fees_flow())

    def transfer_fee(self):
        return self._run(self._transfer_fee_flow())

    def next_nonce(self, client_id: str):
        return self._run(self._nonce_flow(client_id))

    def submit(self, tx: Transaction):
        return self._run(self._submit_flow(tx))

    def send(self, build: Callable[[int, int], Any], client_id: str, fee: int | None = None):
        """build(nonce, fee) returns (or, on the async client, may return an awaitable of) the
        signed Transaction; it is called again with a fresh nonce after a nonce refusal."""
        return self._run(self._send_flow(build, client_id, fee))

    def status(self, hash_: str):
        return self._run(self._status_flow(hash_))

    def wait(self, hash_: str, creation_date: int | None = None, poll: float = 1.0):
        return self._run(self._wait_flow(hash_, creation_date, poll))

    def _run(self, flow: Flow) -> Any:
        raise NotImplementedError


def _is_balance(data: dict) -> bool:
    return type(data.get("balance")) is int and type(data.get("nonce", 0)) is int


def _agreement_needed(asked: int) -> int:
    """gosdk's 25 % of the sharders asked, and never a lone voice when several were asked."""
    return max(math.ceil(asked * 25 / 100), min(2, asked))


def _request_args(request: Request) -> dict[str, Any]:
    args: dict[str, Any] = {"params": request.params}
    if request.body is not None:
        args["content"] = request.body
        args["headers"] = {"Content-Type": "application/json; charset=utf-8"}
    return args


def _failed(request: Request, exc: Exception) -> Reply:
    return Reply(request.url, None, error=str(exc) or type(exc).__name__)


class NetworkClient(OwnsHttp, _NetworkApi):
    """Synchronous (the CLI's); a batch goes out on a few threads so it is parallel too."""

    def _client(self) -> httpx.Client:
        if self._http is None:
            self._http = httpx.Client(**self._http_options())
        return self._http

    def _one(self, request: Request) -> Reply:
        try:
            response = self._client().request(request.method, request.url, **_request_args(request))
        except httpx.HTTPError as exc:
            return _failed(request, exc)
        return Reply(request.url, response.status_code, response.content)

    def _batch(self, requests: list[Request]) -> list[Reply]:
        if len(requests) == 1:
            return [self._one(requests[0])]
        replies: list[Reply | None] = [None] * len(requests)

        def work(i: int) -> None:
            replies[i] = self._one(requests[i])

        threads = [threading.Thread(target=work, args=(i,)) for i in range(len(requests))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return replies  # type: ignore[return-value]

    def _run(self, flow: Flow) -> Any:
        result = None
        try:
            while True:
                step = flow.send(result)
                if isinstance(step, Pause):
                    time.sleep(step.seconds)
                    result = None
                elif isinstance(step, Callback):
                    result = step.fn(*step.args)
                else:
                    result = self._batch(step)
        except StopIteration as done:
            return done.value
        finally:
            flow.close()


class AsyncNetworkClient(OwnsAsyncHttp, _NetworkApi):
    """Asynchronous (the desktop's, on ui/runner.py's loop); same methods, awaitable."""

    async def _one(self, request: Request) -> Reply:
        if self._http is None:
            self._http = httpx.AsyncClient(**self._http_options())
        try:
            response = await self._http.request(
                request.method, request.url, **_request_args(request)
            )
        except httpx.HTTPError as exc:
            return _failed(request, exc)
        return Reply(request.url, response.status_code, response.content)

    async def _run(self, flow: Flow) -> Any:
        result = None
        try:
            while True:
                step = flow.send(result)
                if isinstance(step, Pause):
                    await asyncio.sleep(step.seconds)
                    result = None
                elif isinstance(step, Callback):
                    result = step.fn(*step.args)
                    if inspect.isawaitable(result):
                        result = await result
                else:
                    result = list(await asyncio.gather(*(self._one(r) for r in step)))
        except StopIteration as done:
            return done.value
        finally:
            flow.close()
