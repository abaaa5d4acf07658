"""Client of the Splitkey co-signer (cosigner_server/), for the CLI and the desktop.

    with CosignerClient("http://127.0.0.1:8787") as api:
        api.enroll(code)                              # the client keeps the token it gets
        created = api.create_wallet()                 # created.mnemonic is shown once
        new = api.create_split(created.wallet.client_id, label="laptop")
        share = api.retrieve_share(new.split.id)      # once; the server erases its copy
        signed, answer = api.cosign_transaction(
            share.split_id, share.secret_key(), tx, share.wallet_public_key
        )

`AsyncCosignerClient` has the same methods; each returns an awaitable of the same result.
Both are written once: a method describes its request as a `Call` (app/client_calls.py: method,
path, JSON body and the function that reads the answer), or as a generator of Calls when it needs
several round trips; the sync and async clients only differ in how they send a Call.

Every answer is parsed with app/protocol/bodies.py. Errors:
  CosignerError       the co-signer answered with an error (status, code, message, rule, field)
  CosignerUnreachable no answer (connection refused, timeout, TLS failure without a pin)
  PinMismatch         the server's certificate is not the pinned one
  MalformedAnswer     an answer that does not have the documented shape
  TamperedAnswer      an answer that does not verify: a co-signed signature that is not valid
                      under the wallet key, another hash, a share that does not match its key
A co-signed signature is only ever returned after it verified here.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
import socket
import ssl
from typing import Any

import httpx

from app.client_calls import (
    Call,
    CertificateExpired,
    Challenge,
    ClientError,
    CosignerError,
    CosignerUnreachable,
    CreatedWallet,
    Flow,
    MalformedAnswer,
    NewSplit,
    PinMismatch,
    Session,
    ShareInfo,
    TamperedAnswer,
    challenge_call,
    created_wallet,
    delegation_call,
    keyless_wallet_call,
    message_call,
    new_split,
    proof_signature,
    read_answer,
    redeem_call,
    refresh_call,
    transaction_call,
)
from app.crypto import PublicKey, SecretKey
from app.http_owner import OwnsAsyncHttp, OwnsHttp
from app.permissions import Permissions
from app.protocol import routes as paths
from app.protocol.bodies import (
    AllWallets,
    ApprovalRequest,
    ApprovedHalf,
    AuditRecords,
    AuditVerifyReport,
    CodeRequest,
    CosignAnswer,
    CreateSplitRequest,
    CreateUserRequest,
    CreateWalletRequest,
    EnabledRequest,
    EnrollmentCodeAnswer,
    EnrollmentHalf,
    FreezeRequest,
    KekStatus,
    NewUser,
    PermissionsRequest,
    ProofRequest,
    RemovedRecord,
    RemoveRecordRequest,
    SplitAnswer,
    SplitList,
    SplitView,
    Stats,
    UserAnswer,
    UserList,
    UserView,
    WalletAnswer,
    WalletList,
    WalletView,
    WhoAmI,
)
from app.protocol.enums import Role
from app.transaction import Transaction

__all__ = [
    "AsyncCosignerClient",
    "CertificateExpired",
    "Challenge",
    "ClientError",
    "CosignAnswer",
    "CosignerClient",
    "CosignerError",
    "CosignerUnreachable",
    "CreatedWallet",
    "MalformedAnswer",
    "NewSplit",
    "NewUser",
    "PinMismatch",
    "Session",
    "ShareInfo",
    "TamperedAnswer",
    "WalletList",
]

USER_AGENT = "splitkey-client/0.1"
DEFAULT_TIMEOUT = 30.0


# -- TLS pinning --------------------------------------------------------------------------------


def normalize_fingerprint(text: str) -> str:
    """SHA-256 of a certificate's DER as 64 lowercase hex digits (colons allowed)."""
    value = text.replace(":", "").strip().lower()
    if not re.fullmatch(r"[0-9a-f]{64}", value):
        raise ValueError("the TLS fingerprint must be 64 hex digits (SHA-256 of the DER)")
    return value


def certificate_fingerprint(der: bytes) -> str:
    return hashlib.sha256(der).hexdigest()


def presented_certificate(host: str, port: int, timeout: float) -> bytes:
    """The DER certificate a TLS server presents, read without trusting it: the caller compares
    its fingerprint with a pin (or shows it to a person to compare), which is the trust."""
    probe = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    probe.check_hostname = False
    probe.verify_mode = ssl.CERT_NONE
    try:
        with socket.create_connection((host, port), timeout=timeout) as raw:
            with probe.wrap_socket(raw, server_hostname=host) as tls:
                return tls.getpeercert(binary_form=True)
    except (OSError, ssl.SSLError) as exc:
        raise CosignerUnreachable(f"cannot reach {host}:{port} over TLS: {exc}") from None


def pinned_context(host: str, port: int, fingerprint: str, timeout: float) -> ssl.SSLContext:
    """An SSL context that trusts exactly the pinned certificate.

    The server's certificate is fetched once and compared with the pin; the context then holds
    it as its only trust anchor, so every later connection is checked by OpenSSL against that
    exact certificate before a byte of a request is sent (no hostname check: the pin is the
    identity)."""
    der = presented_certificate(host, port, timeout)
    seen = certificate_fingerprint(der)
    if not hmac.compare_digest(seen, fingerprint):
        raise PinMismatch(f"the server's certificate is {seen}, not the pinned {fingerprint}")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_REQUIRED
    context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
    context.load_verify_locations(cadata=der)
    return context


# -- the API, written once ---------------------------------------------------------------------


class _Api:
    """Every endpoint as a Call or a Flow; subclasses send them (`_run`)."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        tls_fingerprint: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        transport: Any = None,
        unix_socket: str | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        # A Unix socket path: the request goes there, whatever host the URL names (the
        # built-in co-signer, reachable by this account only).
        self.unix_socket = unix_socket
        self.token = token
        self.timeout = timeout
        self.tls_fingerprint = tls_fingerprint and normalize_fingerprint(tls_fingerprint)
        self._transport = transport  # an httpx transport (tests); None: the network
        url = httpx.URL(self.base_url)
        if self.tls_fingerprint and url.scheme != "https":
            raise ValueError("a TLS fingerprint needs an https:// URL")
        self._host, self._port = url.host, url.port or (443 if url.scheme == "https" else 80)

    def _run(self, work: Call | Flow) -> Any:
        raise NotImplementedError

    # -- sending, shared --

    def _http_options(self, verify: Any) -> dict[str, Any]:
        return {
            "base_url": self.base_url,
            "timeout": self.timeout,
            "headers": {"User-Agent": USER_AGENT, "Accept": "application/json"},
            "follow_redirects": False,
            "trust_env": False,  # no proxy or .netrc from the environment near a bearer token
            "verify": verify,
            **({"transport": self._transport} if self._transport is not None else {}),
        }

    def _uds_options(self, transport_class: type) -> dict[str, Any]:
        if self._transport is None and self.unix_socket:
            return {"transport": transport_class(uds=self.unix_socket)}
        return {}

    def _pinned_context(self) -> ssl.SSLContext:
        return pinned_context(self._host, self._port, self.tls_fingerprint, self.timeout)

    def _request_args(self, call: Call) -> dict[str, Any]:
        token = call.token or (self.token if call.auth else None)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        args: dict[str, Any] = {"headers": headers, "params": call.params}
        if call.body is not None:
            args["json"] = call.body
        return args

    def _failed(self, exc: httpx.TransportError) -> ClientError:
        if self.tls_fingerprint and _is_certificate_error(exc):
            code = _verify_code(exc)
            if code in _DATE_ERRORS:  # the pinned certificate itself, out of its dates
                return CertificateExpired(
                    f"the pinned certificate {_DATE_ERRORS[code]}: {exc}",
                    not_yet_valid=code == _NOT_YET_VALID,
                )
            return PinMismatch(f"the server's certificate is not the pinned one: {exc}")
        where = self.unix_socket or self.base_url
        return CosignerUnreachable(f"no answer from {where}: {exc or type(exc).__name__}")

    def _adopt(self, data: Any) -> Session:
        session = Session.from_dict(data)
        self.token = session.token
        return session

    # -- health and identity --

    def health(self) -> dict:
        return self._run(Call("GET", paths.HEALTH, auth=False))  # any JSON: a reachability probe

    def enroll(self, code: str) -> Session:
        """A token for a one-time enrollment code; the client keeps it."""
        body = CodeRequest(code).to_dict()
        return self._run(Call("POST", paths.ENROLL, body, self._adopt, auth=False))

    def exchange(self, enterprise_token: str) -> Session:
        return self._run(Call("POST", paths.EXCHANGE, None, self._adopt, token=enterprise_token))

    def challenge(self, split_id: str) -> Challenge:
        return self._run(challenge_call(split_id))

    def prove(self, split_id: str, challenge: Challenge, share: SecretKey) -> Session:
        """A token for the share's signature of the challenge (checked to be a proof message)."""
        return self._run(self._proof_call(split_id, challenge, share))

    def login_with_share(self, split_id: str, share: SecretKey) -> Session:
        """challenge + prove: a token from possession of a split's user share."""
        return self._run(self._share_login(split_id, share))

    def _share_login(self, split_id: str, share: SecretKey) -> Flow:
        challenge = yield challenge_call(split_id)
        return (yield self._proof_call(split_id, challenge, share))

    def _proof_call(self, split_id: str, challenge: Challenge, share: SecretKey) -> Call:
        body = ProofRequest(
            split_id, challenge.challenge, proof_signature(split_id, challenge, share)
        ).to_dict()
        return Call("POST", paths.PROOF, body, self._adopt, auth=False)

    def whoami(self) -> UserView:
        return self._run(Call("GET", paths.WHOAMI, parse=lambda d: WhoAmI.from_dict(d).user))

    # -- wallets --

    def create_wallet(self) -> CreatedWallet:
        """A new wallet; its mnemonic comes back this once, for the owner's offline backup."""
        return self._run(Call("POST", paths.WALLETS, {}, created_wallet))

    def import_wallet(
        self, *, mnemonic: str | None = None, private_key: str | None = None
    ) -> CreatedWallet:
        if (mnemonic is None) == (private_key is None):
            raise ValueError("give a mnemonic or a private key")
        body = CreateWalletRequest(mnemonic=mnemonic, private_key=private_key).to_dict()
        return self._run(Call("POST", paths.WALLETS, body, created_wallet))

    def create_keyless_wallet(self, master_key: SecretKey) -> CreatedWallet:
        """Register a wallet split on this machine (keyless custody): the answer carries the
        owner's split and share; the master key never leaves this process."""
        return self._run(keyless_wallet_call(master_key))

    def delegate(
        self,
        share: ShareInfo,
        label: str = "",
        holder: str = "code",
        permissions: Permissions | None = None,
    ) -> NewSplit:
        """A new split of a keyless wallet from the owner's share (no master key anywhere)."""
        return self._run(delegation_call(share, label, holder, permissions))

    def refresh(
        self, share: ShareInfo, refreshed: SecretKey | None = None
    ) -> tuple[SplitView, ShareInfo]:
        """Refresh a split's pair; the old share is refused afterwards."""
        return self._run(refresh_call(share, refreshed))

    def wallets(self) -> WalletList:
        return self._run(Call("GET", paths.WALLETS, parse=WalletList.from_dict))

    def wallet(self, client_id: str) -> WalletView:
        return self._wallet_call("GET", paths.WALLET.format(client_id=client_id))

    def freeze(self, client_id: str, frozen: bool = True) -> WalletView:
        path = paths.WALLET_FREEZE.format(client_id=client_id)
        return self._wallet_call("POST", path, FreezeRequest(frozen).to_dict())

    def delete_wallet(self, client_id: str) -> WalletView:
        """Schedules the deletion after the server's waiting period (cancel_deletion undoes)."""
        return self._wallet_call("DELETE", paths.WALLET.format(client_id=client_id))

    def cancel_deletion(self, client_id: str) -> WalletView:
        return self._wallet_call("POST", paths.WALLET_CANCEL_DELETION.format(client_id=client_id))

    def _wallet_call(self, method: str, path: str, body: dict | None = None) -> WalletView:
        return self._run(Call(method, path, body, lambda d: WalletAnswer.from_dict(d).wallet))

    def wallet_audit(
        self, client_id: str, *, since: int | None = None, limit: int | None = None
    ) -> list[dict]:
        return self._audit(paths.WALLET_AUDIT.format(client_id=client_id), since, limit)

    def _audit(self, path: str, since: int | None, limit: int | None) -> list[dict]:
        params = {k: v for k, v in (("since", since), ("limit", limit)) if v is not None}
        parse = lambda d: AuditRecords.from_dict(d).records  # noqa: E731
        return self._run(Call("GET", path, params=params, parse=parse))

    # -- splits and shares --

    def splits(self, client_id: str) -> list[SplitView]:
        return self._splits_call(paths.WALLET_SPLITS.format(client_id=client_id))

    def my_splits(self) -> list[SplitView]:
        return self._splits_call(paths.SPLITS)

    def _splits_call(self, path: str) -> list[SplitView]:
        return self._run(Call("GET", path, parse=lambda d: SplitList.from_dict(d).splits))

    def split(self, split_id: str) -> SplitView:
        return self._split_call("GET", paths.SPLIT.format(split_id=split_id))

    def create_split(
        self,
        client_id: str,
        label: str = "",
        holder: str = "me",
        permissions: Permissions | None = None,
    ) -> NewSplit:
        """holder: "me", "code" (a one-time share code for a delegate), or a user id."""
        body = CreateSplitRequest(label, holder, permissions).to_dict()
        path = paths.WALLET_SPLITS.format(client_id=client_id)
        return self._run(Call("POST", path, body, new_split))

    def set_permissions(self, split_id: str, permissions: Permissions) -> SplitView:
        body = PermissionsRequest(permissions).to_dict()
        return self._split_call("PUT", paths.SPLIT_PERMISSIONS.format(split_id=split_id), body)

    def revoke(self, split_id: str) -> SplitView:
        return self._split_call("POST", paths.SPLIT_REVOKE.format(split_id=split_id))

    def _split_call(self, method: str, path: str, body: dict | None = None) -> SplitView:
        return self._run(Call(method, path, body, lambda d: SplitAnswer.from_dict(d).split))

    def retrieve_share(self, split_id: str) -> ShareInfo:
        """My user share of a split, once (the server erases it as it leaves); checked."""
        path = paths.SPLIT_KEY.format(split_id=split_id)
        return self._run(Call("POST", path, None, ShareInfo.from_dict))

    def redeem(self, code: str) -> ShareInfo:
        """Become the holder of a split shared by code, and take its share; checked."""
        return self._run(redeem_call(code))

    # -- co-signing: the local half, the request, and the verification of the answer --

    def cosign_transaction(
        self,
        split_id: str,
        share: SecretKey,
        tx: Transaction,
        wallet_public_key: PublicKey | str,
        *,
        request_id: str | None = None,
    ) -> tuple[Transaction, CosignAnswer]:
        """(tx signed with the combined signature, the answer); raises TamperedAnswer unless the
        signature verifies under the wallet key for the locally computed hash. Retrying after
        CosignerUnreachable with the same request_id cannot sign or count twice."""
        return self._run(transaction_call(split_id, share, tx, wallet_public_key, request_id))

    def cosign_message(
        self,
        split_id: str,
        share: SecretKey,
        message: str,
        wallet_public_key: PublicKey | str,
        *,
        request_id: str | None = None,
    ) -> CosignAnswer:
        return self._run(message_call(split_id, share, message, wallet_public_key, request_id))

    def auth_headers(
        self,
        split_id: str,
        share: SecretKey,
        message: str,
        wallet_public_key: PublicKey | str,
        *,
        request_id: str | None = None,
    ) -> CosignAnswer:
        """answer.headers: the checked X-App-Client-ID / -Key / -Signature triple."""
        call = message_call(split_id, share, message, wallet_public_key, request_id, headers=True)
        return self._run(call)

    # -- administrators --

    def users(self) -> list[UserView]:
        parse = lambda d: UserList.from_dict(d).users  # noqa: E731
        return self._run(Call("GET", paths.ADMIN_USERS, parse=parse))

    def create_user(self, subject: str, role: str = Role.USER) -> NewUser:
        body = CreateUserRequest(subject, role).to_dict()
        return self._run(Call("POST", paths.ADMIN_USERS, body, NewUser.from_dict))

    def enrollment_code(self, user_id: str) -> str:
        path = paths.ADMIN_USER_ENROLLMENT_CODE.format(user_id=user_id)
        parse = lambda d: EnrollmentCodeAnswer.from_dict(d).enrollment_code  # noqa: E731
        return self._run(Call("POST", path, None, parse))

    def enrollment_code_or_half(self, user_id: str) -> dict[str, Any]:
        """{"enrollment_code"}, or for a user who owns wallets {"enrollment_code_half",
        "approval_ref", "message"}: the second half needs the owner or another administrator."""
        path = paths.ADMIN_USER_ENROLLMENT_CODE.format(user_id=user_id)
        return self._run(Call("POST", path, None, _enrollment_code_or_half))

    def approve_enrollment(self, ref: str) -> str:
        """The second half of a two-person enrollment code (as the owner or another admin)."""
        body = ApprovalRequest(ref).to_dict()
        parse = lambda d: ApprovedHalf.from_dict(d).enrollment_code_half  # noqa: E731
        return self._run(Call("POST", paths.ENROLLMENT_APPROVALS, body, parse))

    def set_enabled(self, user_id: str, enabled: bool) -> UserView:
        path = paths.ADMIN_USER_ENABLED.format(user_id=user_id)
        parse = lambda d: UserAnswer.from_dict(d).user  # noqa: E731
        return self._run(Call("POST", path, EnabledRequest(enabled).to_dict(), parse))

    def all_wallets(self) -> list[WalletView]:
        parse = lambda d: AllWallets.from_dict(d).wallets  # noqa: E731
        return self._run(Call("GET", paths.ADMIN_WALLETS, parse=parse))

    def all_splits(self) -> list[SplitView]:
        return self._splits_call(paths.ADMIN_SPLITS)

    def admin_revoke(self, split_id: str) -> SplitView:
        return self._split_call("POST", paths.ADMIN_SPLIT_REVOKE.format(split_id=split_id))

    def admin_freeze(self, client_id: str, frozen: bool = True) -> WalletView:
        path = paths.ADMIN_WALLET_FREEZE.format(client_id=client_id)
        return self._wallet_call("POST", path, FreezeRequest(frozen).to_dict())

    def admin_remove_record(self, client_id: str, reason: str) -> dict:
        """Remove a wallet record made by 0Chain's /setup (e.g. squatted); audited."""
        path = paths.ADMIN_WALLET_REMOVE.format(client_id=client_id)
        body = RemoveRecordRequest(reason).to_dict()
        return self._run(Call("POST", path, body, _checked(RemovedRecord)))

    def stats(self) -> dict:
        return self._run(Call("GET", paths.ADMIN_STATS, parse=_checked(Stats)))

    def audit(self, *, since: int | None = None, limit: int | None = None) -> list[dict]:
        return self._audit(paths.ADMIN_AUDIT, since, limit)

    def audit_verify(self) -> dict:
        return self._run(Call("GET", paths.ADMIN_AUDIT_VERIFY, parse=_checked(AuditVerifyReport)))

    def kek_status(self) -> dict:
        """Key-encryption keys: current id, sealed values per key id, rewrap progress."""
        return self._run(Call("GET", paths.ADMIN_KEK, parse=_checked(KekStatus)))

    def kek_reload(self) -> dict:
        """The server reads its KEK ring from its source again (and re-seals if needed)."""
        return self._run(Call("POST", paths.ADMIN_KEK_RELOAD, parse=_checked(KekStatus)))


def _checked(body: type) -> Any:
    """Parse with `body` (a MalformedAnswer if the shape is wrong), answer the JSON itself: for
    answers that callers print or index as they are."""

    def parse(data: Any) -> Any:
        body.from_dict(data)
        return data

    return parse


def _enrollment_code_or_half(data: Any) -> dict[str, Any]:
    if isinstance(data, dict) and "enrollment_code_half" in data:
        return EnrollmentHalf.from_dict(data).to_dict()
    return EnrollmentCodeAnswer.from_dict(data).to_dict()


# OpenSSL's X509_V_ERR_CERT_NOT_YET_VALID and X509_V_ERR_CERT_HAS_EXPIRED. The pinned
# certificate is the only trust anchor, so a date error means the pin matched and only the
# dates are wrong: not an interception (desktop-security-review L4).
_NOT_YET_VALID, _EXPIRED = 9, 10
_DATE_ERRORS = {_NOT_YET_VALID: "is not valid yet", _EXPIRED: "has expired"}


def _verify_code(exc: BaseException) -> int | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return seen.verify_code
        seen = seen.__cause__ or seen.__context__
    return None


def _is_certificate_error(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        seen = seen.__cause__ or seen.__context__
    return "CERTIFICATE_VERIFY_FAILED" in str(exc)


def _flow(work: Call | Flow) -> Flow:
    if isinstance(work, Call):
        return (yield work)
    return (yield from work)


# -- the two clients ---------------------------------------------------------------------------


class CosignerClient(OwnsHttp, _Api):
    """Synchronous client over httpx.Client (the CLI's)."""

    def _client(self) -> httpx.Client:
        if self._http is None:
            verify = self._pinned_context() if self.tls_fingerprint else True
            self._http = httpx.Client(
                **self._http_options(verify), **self._uds_options(httpx.HTTPTransport)
            )
        return self._http

    def _send(self, call: Call) -> Any:
        try:
            response = self._client().request(call.method, call.path, **self._request_args(call))
        except httpx.TransportError as exc:
            raise self._failed(exc) from None
        return read_answer(call, response.status_code, response.content)

    def _run(self, work: Call | Flow) -> Any:
        flow, result = _flow(work), None
        try:
            while True:
                result = self._send(flow.send(result))
        except StopIteration as done:
            return done.value
        finally:
            flow.close()


class AsyncCosignerClient(OwnsAsyncHttp, _Api):
    """Asynchronous client over httpx.AsyncClient (the desktop's); same methods, awaitable."""

    async def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            verify = True
            if self.tls_fingerprint:
                verify = await asyncio.to_thread(self._pinned_context)
            if self._http is None:  # another task may have made it during the await
                self._http = httpx.AsyncClient(
                    **self._http_options(verify), **self._uds_options(httpx.AsyncHTTPTransport)
                )
        return self._http

    async def _send(self, call: Call) -> Any:
        http = await self._client()
        try:
            response = await http.request(call.method, call.path, **self._request_args(call))
        except httpx.TransportError as exc:
            raise self._failed(exc) from None
        return read_answer(call, response.status_code, response.content)

    async def _run(self, work: Call | Flow) -> Any:
        flow, result = _flow(work), None
        try:
            while True:
                result = await self._send(flow.send(result))
        except StopIteration as done:
            return done.value
        finally:
            flow.close()
