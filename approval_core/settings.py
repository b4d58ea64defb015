"""One settings object for the whole service, read from `SUNLIGHT_*` environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Legal dates are always Asia/Shanghai dates (docs/DOMAIN.md section 3), whatever the server's zone.
LEGAL_TIME_ZONE = "Asia/Shanghai"

_REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Service settings. `environment=production` refuses unsafe defaults."""

    model_config = SettingsConfigDict(env_prefix="SUNLIGHT_", extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    database_url: str = f"sqlite:///{Path.cwd() / 'var' / 'sunlight.sqlite3'}"
    rules_dir: Path = _REPO_ROOT / "rules"
    time_zone: str = LEGAL_TIME_ZONE
    # Secret mixed into record hashes and receipt verification codes.
    secret_key: str = "dev-insecure-secret-change-me"
    # How facts are judged: durable-rules (the design's engine), plain Python, or both compared.
    engine_mode: Literal["durable", "python", "dual"] = "durable"
    # Reload the rules when a file under rules_dir changes (all or nothing).
    watch_rules: bool = False
    # /metrics reads the open cases and alerts from the database; set false on all but one of
    # several API processes (or on all of them when the worker serves the figures).
    metrics_db: bool = True
    # Processes a sweep uses: 1 judges in the calling process; more spread a large sweep over
    # that many worker processes (one core each), which judge outside the write lock.
    sweep_workers: int = Field(default=1, ge=1, le=32)
    # E-mail notifications (SUNLIGHT_SMTP_HOST, _PORT, _SENDER, _USERNAME, _PASSWORD, _STARTTLS)
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_sender: str = "sunlight@localhost"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    host: str = "127.0.0.1"
    port: int = 8000

    @field_validator("time_zone")
    @classmethod
    def _fixed_time_zone(cls, value: str) -> str:
        if value != LEGAL_TIME_ZONE:
            raise ValueError(
                f"time_zone is fixed to {LEGAL_TIME_ZONE} for legal dates; got {value!r}"
            )
        return value

    @model_validator(mode="after")
    def _safe_in_production(self) -> Settings:
        if self.environment == "production":
            if self.secret_key.startswith("dev-insecure"):
                raise ValueError("SUNLIGHT_SECRET_KEY must be set in production")
            if self.database_url.startswith("sqlite"):
                raise ValueError("production needs PostgreSQL (SUNLIGHT_DATABASE_URL)")
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests build their own `Settings`)."""
    return Settings()
