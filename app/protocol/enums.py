"""The names client, server and desktop share. Each is a StrEnum, so a member is its wire string
(`Rule.FROZEN == "frozen"`), and every table that labels them is tested to cover every member
(tests/test_protocol_coverage.py): a member added here without its label fails a test."""

from __future__ import annotations

from enum import StrEnum


class Custody(StrEnum):
    """How a wallet is held. CUSTODIAL: the vault holds the master key (0Chain ZVault's model)
    and cuts splits itself. KEYLESS: the owner drew the key and split it on their own machine;
    the co-signer only ever holds server shares, and user shares reach delegates end-to-end
    encrypted."""

    CUSTODIAL = "custodial"
    KEYLESS = "keyless"


class SplitStatus(StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"
    EXPIRED = "expired"  # computed from permissions.expires_at, never stored


class Role(StrEnum):
    ADMIN = "admin"
    USER = "user"


class Outcome(StrEnum):
    """An audit record's outcome."""

    OK = "ok"
    SIGNED = "signed"
    REFUSED = "refused"
    RECOVERED = "recovered"  # the audit log cut a torn tail and said so
    ALREADY_REVOKED = "already_revoked"


class ErrorCode(StrEnum):
    """The `code` of an error answer ({"error": {"code", ...}})."""

    BAD_REQUEST = "bad_request"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    CONFLICT = "conflict"
    GONE = "gone"
    TOO_LARGE = "too_large"
    REFUSED = "refused"  # a policy refusal: `rule` says which
    PROOF_REQUIRED = "proof_required"
    PROOF_REFUSED = "proof_refused"
    RATE_LIMITED = "rate_limited"
    REQUEST_TIMEOUT = "request_timeout"
    DEADLINE_EXCEEDED = "deadline_exceeded"
    MISDIRECTED = "misdirected"
    FORBIDDEN_ORIGIN = "forbidden_origin"
    UNAVAILABLE = "unavailable"
    INTERNAL = "internal"
    HTTP_ERROR = "http_error"  # any other HTTP status, or an answer without the error shape


class Rule(StrEnum):
    """Why a request was refused: the `rule` of an error answer, a stable machine name. The
    co-signer's policy (cosigner_server/policy.py) decides most of them; the rest are the
    request limits (cosigner_server/limits.py) and the idempotency of co-sign requests."""

    # the key and the wallet
    REVOKED = "revoked"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    FROZEN = "frozen"
    MAX_USES = "max_uses"
    # what a key may sign
    GROUP_NOT_ALLOWED = "group_not_allowed"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    RECIPIENT_NOT_ALLOWED = "recipient_not_allowed"
    MESSAGES_NOT_ALLOWED = "messages_not_allowed"
    RAW_HASHES_NOT_ALLOWED = "raw_hashes_not_allowed"
    DATA_READ_DIFFERENTLY = "data_read_differently"
    ALSO_A_CONTRACT_CALL = "also_a_contract_call"
    LOOKS_LIKE_TRANSACTION = "looks_like_transaction"
    # amounts and counts
    PER_TRANSACTION_CAP = "per_transaction_cap"
    PERIOD_VALUE_CAP = "period_value_cap"
    PERIOD_COUNT_CAP = "period_count_cap"
    # the transaction itself
    CHAIN_ID = "chain_id"
    CREATION_TIME = "creation_time"
    NONCE_WINDOW = "nonce_window"
    HASH_MISMATCH = "hash_mismatch"
    PARTIAL_INVALID = "partial_invalid"
    PARTIAL_MALFORMED = "partial_malformed"
    # the request
    REQUEST_KEY_REUSED = "request_key_reused"
    REQUEST_IN_PROGRESS = "request_in_progress"
    # limits on requests (not policy: the server's own protection)
    HOST = "host"
    ORIGIN = "origin"
    SLOW_BODY = "slow_body"
    DEADLINE = "deadline"
    BODY_SIZE = "body_size"
    RATE_SPLIT = "rate_split"
    RATE_IP = "rate_ip"
    RATE_TOKEN = "rate_token"
    LOGIN = "login"  # too many failed sign-ins from one address
    STORAGE_UNAVAILABLE = "storage_unavailable"
    AUDIT_UNAVAILABLE = "audit_unavailable"
    CRYPTO_QUEUE_FULL = "crypto_queue_full"


class AuditEvent(StrEnum):
    """An audit record's event."""

    COSIGN_TRANSACTION = "cosign_transaction"
    COSIGN_MESSAGE = "cosign_message"
    COSIGN_AUTH_HEADERS = "cosign_auth_headers"
    COSIGN_RAW_HASH = "cosign_raw_hash"
    COSIGN_REFUSED = "cosign_refused"
    WALLET_CREATED = "wallet_created"
    WALLET_IMPORTED = "wallet_imported"
    WALLET_FROZEN = "wallet_frozen"
    WALLET_UNFROZEN = "wallet_unfrozen"
    WALLET_DELETION_SCHEDULED = "wallet_deletion_scheduled"
    WALLET_DELETION_CANCELLED = "wallet_deletion_cancelled"
    WALLET_DELETED = "wallet_deleted"
    WALLET_RECORD_REMOVED = "wallet_record_removed"
    SPLIT_CREATED = "split_created"
    SPLIT_SETUP = "split_setup"
    SPLIT_REVOKED = "split_revoked"
    SPLIT_REFRESHED = "split_refreshed"
    PERMISSIONS_CHANGED = "permissions_changed"
    SHARE_RETRIEVED = "share_retrieved"
    SHARE_CODE_REDEEMED = "share_code_redeemed"
    # events of the co-signer and its users, not of one wallet
    ENROLLMENT_CODE_ISSUED = "enrollment_code_issued"
    ENROLLED = "enrolled"
    TOKEN_EXCHANGED = "token_exchanged"
    PROOF_OF_POSSESSION = "proof_of_possession"
    REENROLLMENT_REQUESTED = "reenrollment_requested"
    REENROLLMENT_BY_OPERATOR = "reenrollment_by_operator"
    REENROLLMENT_APPROVED = "reenrollment_approved"
    USER_ENABLED = "user_enabled"
    USER_DISABLED = "user_disabled"
    ADMIN_RECOVERED = "admin_recovered"
    KEK_RELOADED = "kek_reloaded"
    KEK_REWRAPPED = "kek_rewrapped"
    AUDIT_RECOVERED = "audit_recovered"


COSIGN_EVENTS = (
    AuditEvent.COSIGN_TRANSACTION,
    AuditEvent.COSIGN_MESSAGE,
    AuditEvent.COSIGN_AUTH_HEADERS,
    AuditEvent.COSIGN_RAW_HASH,
)
