"""The co-signer's route paths, for the server's handlers, the client's calls and the OpenAPI
document. A path with {name} parts is a template: `WALLET.format(client_id=...)`."""

from __future__ import annotations

API = "/v1"

# -- operations (no token) ------------------------------------------------------------------------
HEALTH = "/health"
READY = "/ready"
OPENAPI = "/openapi.json"
METRICS = "/metrics"
DOCS = "/docs"
DOCS_SCRIPT = "/docs/viewer.js"
DOCS_STYLE = "/docs/viewer.css"

# -- identity -------------------------------------------------------------------------------------
ENROLL = API + "/auth/enroll"
ENROLLMENT_APPROVALS = API + "/auth/enrollment-approvals"
EXCHANGE = API + "/auth/exchange"
CHALLENGE = API + "/auth/challenge"
PROOF = API + "/auth/proof"
WHOAMI = API + "/auth/whoami"

# -- wallets and splits ---------------------------------------------------------------------------
WALLETS = API + "/wallets"
WALLET = API + "/wallets/{client_id}"
WALLET_FREEZE = WALLET + "/freeze"
WALLET_CANCEL_DELETION = WALLET + "/cancel-deletion"
WALLET_SPLITS = WALLET + "/splits"
WALLET_AUDIT = WALLET + "/audit"
SPLITS = API + "/splits"
SPLIT = API + "/splits/{split_id}"
SPLIT_PERMISSIONS = SPLIT + "/permissions"
SPLIT_REVOKE = SPLIT + "/revoke"
SPLIT_REFRESH = SPLIT + "/refresh"
SPLIT_KEY = SPLIT + "/key"
REDEEM = API + "/share-codes/redeem"

# -- co-signing -----------------------------------------------------------------------------------
SIGN_TRANSACTION = API + "/sign/transaction"
SIGN_MESSAGE = API + "/sign/message"
SIGN_AUTH_HEADERS = API + "/sign/auth-headers"

# -- administrators -------------------------------------------------------------------------------
ADMIN_USERS = API + "/admin/users"
ADMIN_USER_ENROLLMENT_CODE = ADMIN_USERS + "/{user_id}/enrollment-code"
ADMIN_USER_ENABLED = ADMIN_USERS + "/{user_id}/enabled"
ADMIN_WALLETS = API + "/admin/wallets"
ADMIN_WALLET_FREEZE = ADMIN_WALLETS + "/{client_id}/freeze"
ADMIN_WALLET_REMOVE = ADMIN_WALLETS + "/{client_id}/remove"
ADMIN_SPLITS = API + "/admin/splits"
ADMIN_SPLIT_REVOKE = ADMIN_SPLITS + "/{split_id}/revoke"
ADMIN_STATS = API + "/admin/stats"
ADMIN_AUDIT = API + "/admin/audit"
ADMIN_AUDIT_VERIFY = ADMIN_AUDIT + "/verify"
ADMIN_KEK = API + "/admin/kek"
ADMIN_KEK_RELOAD = ADMIN_KEK + "/reload"
