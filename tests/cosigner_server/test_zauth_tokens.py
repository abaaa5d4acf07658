"""0box-style HMAC JWTs (HS256/HS512 with a shared secret of at least 32 bytes) accepted in
X-Jwt-Token on the ZAuth management routes; the hostile-token rules hold for them too."""

from __future__ import annotations

import secrets
import time

import httpx
import jwt
import pytest

from cosigner_server.bootstrap import init_data_dir
from cosigner_server.tokens import (
    IssuerConfigError,
    IssuerKey,
    TokenError,
    TokenVerifier,
    TrustedIssuer,
)

from .conftest import make_config, run_server
from .gosdk_shapes import GoZauthClient, decoded
from .zauth_helpers import local_split, set_up

ISS = "https://0box.example"
AUD = "splitkey-cosigner"
SECRET = b"s" * 32
# PyJWT warns about 32-byte HS512 keys; the server silences it (tokens.py), pytest resets that.
pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")


def claims(**over) -> dict:
    t = int(time.time())
    base = {"iss": ISS, "aud": AUD, "sub": "0box-user-7", "iat": t, "nbf": t, "exp": t + 600,
            "jti": secrets.token_hex(8)}  # fmt: skip
    return {**base, **over}


def verifier(algorithm: str = "HS512", secret: bytes = SECRET) -> TokenVerifier:
    key = IssuerKey.from_secret(secret, algorithm)
    return TokenVerifier([TrustedIssuer(ISS, (key,))], AUD)


@pytest.mark.parametrize("algorithm", ["HS256", "HS512"])
def test_hmac_issuer_accepts_its_tokens(algorithm):
    token = jwt.encode(claims(), SECRET, algorithm=algorithm, headers={"typ": "JWT"})
    assert verifier(algorithm).verify(token).subject == "0box-user-7"


def test_hmac_issuer_refuses_other_secrets_algorithms_and_short_secrets():
    v = verifier("HS512")
    wrong = jwt.encode(claims(), b"t" * 32, algorithm="HS512", headers={"typ": "JWT"})
    with pytest.raises(TokenError, match="signature does not verify"):
        v.verify(wrong)
    other_alg = jwt.encode(claims(), SECRET, algorithm="HS256", headers={"typ": "JWT"})
    with pytest.raises(TokenError, match="alg does not match"):
        v.verify(other_alg)
    unsigned = jwt.encode(claims(), None, algorithm="none", headers={"typ": "JWT"})
    with pytest.raises(TokenError):
        v.verify(unsigned)
    with pytest.raises(IssuerConfigError, match="at least 32 bytes"):
        IssuerKey.from_secret(b"x" * 31, "HS256")
    with pytest.raises(IssuerConfigError):
        IssuerKey.from_secret(SECRET, "EdDSA")
    assert SECRET.decode() not in repr(IssuerKey.from_secret(SECRET, "HS256"))


@pytest.fixture
def box_cosigner(tmp_path):
    data_dir = tmp_path / "cosigner"
    data_dir.mkdir()
    (data_dir / "0box.secret").write_bytes(SECRET + b"\n")
    (data_dir / "config.toml").write_text(
        f'[[issuers]]\nissuer = "{ISS}"\naudience = "{AUD}"\nalgorithm = "HS512"\n'
        'secret_file = "0box.secret"\n'
    )
    config = make_config(data_dir)
    init_data_dir(config)
    yield from run_server(config)


def test_0box_jwt_on_setup_key_restrictions_revoke_delete(box_cosigner):
    token = jwt.encode(claims(), SECRET, algorithm="HS512", headers={"typ": "JWT"})
    go = GoZauthClient(httpx.Client(base_url=box_cosigner.url, timeout=60), token)
    split = local_split(["token_transfers"])
    assert set_up(go, split).status_code == 200
    signed = go.sign_txn(split.tx(nonce=1), split.peer)
    assert signed.status_code == 200, signed.text
    assert go.key(split.client_id, split.peer).status_code == 200
    changed = go.restrictions(split.client_id, split.peer, ["storage_rewards"])
    assert decoded(changed)["restrictions"] == ["storage_rewards"]
    assert decoded(go.revoke(split.client_id, split.peer))["result"] == "success"
    assert decoded(go.delete(split.client_id))["result"] == "success"
    # the same user's token, forged with another secret, is refused
    forged = GoZauthClient(go.http, jwt.encode(claims(), b"f" * 32, algorithm="HS512",
                                               headers={"typ": "JWT"}))  # fmt: skip
    refused = forged.key(split.client_id, split.peer)
    assert refused.status_code == 401
    # an enterprise token opens only the 0Chain routes: /v1 still wants a server token
    v1 = go.http.get("/v1/wallets", headers={"Authorization": f"Bearer {token}"})
    assert v1.status_code == 401
