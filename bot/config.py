"""Configuration from the environment and `.env`, split by section.

Every variable has a flat, documented name (``BOT_TOKEN``, ``DATABASE_URL``...), so the
README, the Dockerfile and the tests all speak the same language.
"""
from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

TOKEN_RE = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{30,64}$")
DEFAULT_API_URL = "https://api.telegram.org"
DEFAULT_DB_PATH = Path("data") / "mentorbot.sqlite3"


class ConfigError(RuntimeError):
    """Raised with a message naming the offending variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # --- Telegram -------------------------------------------------------------------------
    bot_token: str = Field(..., description="Token from @BotFather")
    telegram_api_url: str = DEFAULT_API_URL
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)

    # --- Storage ---------------------------------------------------------------------------
    database_url: str = ""
    db_echo: bool = False

    # --- Locale and time -------------------------------------------------------------------
    default_locale: str = "ru"
    timezone: str = "Europe/Moscow"

    # --- Outbox (messages the bot sends on its own initiative) ------------------------------
    outbox_rate_per_second: float = 25.0
    outbox_per_chat_interval: float = 1.0
    outbox_max_attempts: int = 5
    outbox_lease_seconds: float = 120.0
    outbox_tick_seconds: float = 1.0
    outbox_batch: int = 200
    quiet_hours_start: int = 22
    quiet_hours_end: int = 8

    # --- Direct replies (answers within an update) meeting a 429 or a transient failure -----
    reply_retry_attempts: int = Field(4, ge=1, le=10)  # tries in all, the first one included
    reply_retry_max_wait: float = Field(20.0, ge=0.0, le=300.0)  # seconds of waiting in all

    # --- Updates handled at once -------------------------------------------------------------
    # At most this many updates are in hand at a time (0: no limit); the next ones wait, in
    # order, at the Bot API server. A class registering at once otherwise has hundreds of updates
    # sharing the event loop, each of them slowed by all the others; a bound serves them in
    # arrival order (bench/assembly.py, "School assembly": the wait per step in a flood). 16
    # leaves 4 of PostgreSQL's 20 pooled connections (db/engine.py) to the background work.
    updates_concurrency: int = Field(16, ge=0, le=10_000)

    # --- Digests and invitations ------------------------------------------------------------
    digest_interval_minutes: int = 180
    invitation_default_days: int = 30

    # --- Logging ----------------------------------------------------------------------------
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"  # json: one object per line (ids only, as every line)

    # --- Serving: polling or webhook, and the HTTP server (health, metrics, webhook) --------
    bot_mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str = ""  # the public HTTPS address Telegram posts to, WEBHOOK_PATH included
    webhook_secret: str = ""  # Telegram sends it back in X-Telegram-Bot-Api-Secret-Token
    webhook_path: str = "/webhook"
    http_host: str = "0.0.0.0"
    http_port: int = Field(8080, ge=0, le=65535)  # 0 in polling mode: no HTTP server
    ready_poll_seconds: float = Field(90.0, gt=0)  # polling: not ready when no getUpdates came back for this long
    redis_url: str = ""  # several instances: one person's updates never handled at once by two of them
    leader_retry_seconds: float = Field(15.0, gt=0, le=60)  # PostgreSQL: how often a follower tries to lead (bot/leader.py)
    ready_outbox_lag_seconds: float = Field(900.0, ge=0)  # not ready when the oldest due message waits longer; 0: not judged

    @field_validator("webhook_secret")
    @classmethod
    def _check_secret(cls, value: str) -> str:
        value = value.strip()
        if value and not re.fullmatch(r"[A-Za-z0-9_-]{16,256}", value):
            raise ValueError("WEBHOOK_SECRET must be 16-256 characters: letters, digits, _ and -")
        return value

    @field_validator("webhook_path")
    @classmethod
    def _check_path(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError("WEBHOOK_PATH must start with /")
        return value

    @model_validator(mode="after")
    def _check_webhook(self) -> "Settings":
        if self.bot_mode == "webhook":
            if not self.webhook_url.startswith(("https://", "http://")):
                raise ValueError("BOT_MODE=webhook needs WEBHOOK_URL (the public https:// address)")
            if not self.webhook_secret:
                raise ValueError("BOT_MODE=webhook needs WEBHOOK_SECRET (16-256 letters, digits, _ or -)")
            if not self.http_port:
                raise ValueError("BOT_MODE=webhook needs HTTP_PORT (the webhook is served there)")
        return self

    @field_validator("bot_token")
    @classmethod
    def _check_token(cls, value: str) -> str:
        value = value.strip()
        if not TOKEN_RE.match(value):
            raise ValueError("BOT_TOKEN is malformed: expected '<digits>:<30+ letters, digits, _ or ->'")
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _parse_admins(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p for p in re.split(r"[,\s]+", value.strip()) if p]
            try:
                return [int(p) for p in parts]
            except ValueError as exc:
                raise ValueError("ADMIN_IDS must be Telegram ids separated by commas") from exc
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _strip_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not re.match(r"^https?://", value):
            raise ValueError("TELEGRAM_API_URL must start with http:// or https://")
        return value

    @field_validator("default_locale")
    @classmethod
    def _check_locale(cls, value: str) -> str:
        if value not in ("ru", "en"):
            raise ValueError("DEFAULT_LOCALE must be 'ru' or 'en'")
        return value

    @field_validator("timezone")
    @classmethod
    def _check_tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"TIMEZONE {value!r} is not a known IANA time zone") from exc
        return value

    @field_validator("quiet_hours_start", "quiet_hours_end")
    @classmethod
    def _check_hour(cls, value: int) -> int:
        if not 0 <= value <= 23:
            raise ValueError("quiet hours are whole hours 0-23")
        return value

    @cached_property
    def db_url(self) -> str:
        """The SQLAlchemy async URL; the default is an SQLite file under ./data/."""
        url = self.database_url.strip()
        if not url:
            DEFAULT_DB_PATH.parent.mkdir(parents=True, exist_ok=True)
            return f"sqlite+aiosqlite:///{DEFAULT_DB_PATH}"
        if url.startswith("postgres://"):
            url = "postgresql://" + url[len("postgres://"):]
        if url.startswith("postgresql://"):
            url = "postgresql+asyncpg://" + url[len("postgresql://"):]
        if url.startswith("sqlite:///"):
            url = "sqlite+aiosqlite:///" + url[len("sqlite:///"):]
        if url.startswith("sqlite+aiosqlite:///"):
            path = url[len("sqlite+aiosqlite:///"):]
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
        return url

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_admin(self, tg_id: int) -> bool:
        return tg_id in self.admin_ids


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning pydantic's errors into one readable ConfigError."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = "_".join(str(p) for p in err["loc"]).upper() or "settings"
            msg = err["msg"]
            if err["type"] == "missing":
                msg = "is required but not set (put it in the environment or in .env)"
            lines.append(f"{name}: {msg}")
        raise ConfigError("Configuration error:\n  " + "\n  ".join(lines)) from None
