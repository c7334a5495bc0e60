"""compose.yaml (no Docker engine here): it parses, its bots are configured as the settings and
the README say, and the proxy reaches both instances."""
from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def test_compose_names_the_region_s_services():
    services = _compose()["services"]
    assert {"bot1", "bot2", "bot-polling", "proxy", "db", "redis"} <= set(services)
    for name in ("bot1", "bot2"):
        env = services[name]["environment"]
        assert env["BOT_MODE"] == "webhook" and env["REDIS_URL"] == "redis://redis:6379/0"
        assert env["DATABASE_URL"].startswith("postgresql://") and "@db:5432/" in env["DATABASE_URL"]
        assert env["WEBHOOK_URL"].endswith("/webhook") and env["HTTP_PORT"] == "8080"
        assert services[name]["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["bot-polling"]["environment"]["BOT_MODE"] == "polling"
    assert services["bot-polling"]["profiles"] == ["polling"]
    assert "healthcheck" in services["db"] and "healthcheck" in services["redis"]


def test_every_variable_the_bots_get_is_a_setting():
    from bot.config import Settings

    fields = {name.upper() for name in Settings.model_fields}
    for name in ("bot1", "bot-polling"):
        assert set(_compose()["services"][name]["environment"]) <= fields


def test_the_proxy_spreads_the_webhook_over_both_bots_by_readiness():
    caddy = (ROOT / "deploy" / "Caddyfile").read_text(encoding="utf-8")
    assert "bot1:8080 bot2:8080" in caddy and "health_uri /readyz" in caddy and "handle /webhook" in caddy
    proxy = _compose()["services"]["proxy"]
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]


def test_the_readme_documents_the_compose_file():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for word in ("compose.yaml", "bot1", "bot2", "docker compose up", "--profile polling"):
        assert word in readme, word
