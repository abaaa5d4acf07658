"""packaging/compose.yaml (replicas + PostgreSQL), linted here since no container runtime is: it
parses, every replica gets the same settings the server accepts, the KEK and the database password
come from secrets (never plain environment values in the file), the shared data directory is
read-only, and PostgreSQL keeps its durability on."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cosigner_server.config import ENV_PREFIX, ServerConfig, load_config

COMPOSE = Path(__file__).resolve().parents[2] / "packaging" / "compose.yaml"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def _replicas(compose: dict) -> dict[str, dict]:
    return {n: s for n, s in compose["services"].items() if n.startswith("cosigner-")}


def test_replicas_share_one_database_and_valid_settings(compose, tmp_path, monkeypatch) -> None:
    replicas = _replicas(compose)
    assert len(replicas) >= 2
    environments = [s["environment"] for s in replicas.values()]
    assert all(env == environments[0] for env in environments)
    env = environments[0]
    known = {ENV_PREFIX + name.upper() for name in ServerConfig.__dataclass_fields__}
    ours = {k for k in env if k.startswith(ENV_PREFIX)}
    assert ours <= known, f"settings the server does not know: {ours - known}"
    assert "@postgres:" in env[ENV_PREFIX + "DATABASE_URL"]
    for name, value in env.items():
        if name.startswith(ENV_PREFIX):
            monkeypatch.setenv(name, str(value))
    config = load_config(tmp_path)  # raises ConfigError on a value the server refuses
    assert config.database_url and config.kek_source == "env"


def test_secrets_stay_out_of_the_file_and_data_is_read_only(compose) -> None:
    declared = set(compose["secrets"])
    for name, service in _replicas(compose).items():
        env = service["environment"]
        assert ENV_PREFIX + "KEK" not in env and "password" not in str(env).lower(), name
        assert ":" not in env[ENV_PREFIX + "DATABASE_URL"].split("@")[0].split("//")[1], name
        assert set(service["secrets"]) <= declared
        assert all(v.endswith(":ro") for v in service["volumes"] if v.endswith("/data:ro")
                   or ":/data" in v), name  # fmt: skip
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
    ports = [p for s in _replicas(compose).values() for p in s["ports"]]
    assert len({p.split(":")[0] for p in ports}) == len(ports)  # one host port each


def test_postgres_keeps_durability(compose) -> None:
    command = " ".join(compose["services"]["postgres"]["command"])
    assert "fsync=off" not in command and "synchronous_commit=off" not in command
    assert "POSTGRES_PASSWORD" not in compose["services"]["postgres"]["environment"]
