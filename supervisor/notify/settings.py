"""SMTP settings from the environment (SUNLIGHT_SMTP_HOST, _PORT, _SENDER, _USERNAME,
_PASSWORD, _STARTTLS); to be folded into the one Settings object when it gains them."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

from supervisor.notify.channels import SmtpConfig


class SmtpSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SUNLIGHT_SMTP_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 25
    sender: str = "sunlight@localhost"
    username: str | None = None
    password: str | None = None
    starttls: bool = False

    def config(self) -> SmtpConfig:
        return SmtpConfig(
            self.host, self.port, self.sender, self.username, self.password, self.starttls
        )
