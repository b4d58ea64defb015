"""One settings object for the whole service, read from `SUNLIGHT_*` environment variables."""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from approval_core.keys import DATA_KEY_BYTES, DEV_SECRET_KEY, derived_data_key, key_problem
from approval_core.records.mac import DEFAULT_MAC, RecordMac, mac_problem

# Legal dates are always Asia/Shanghai dates (docs/DOMAIN.md section 3), whatever the server's zone.
LEGAL_TIME_ZONE = "Asia/Shanghai"

_REPO_ROOT = Path(__file__).resolve().parent.parent


Networks = Annotated[list[str], NoDecode]  # from the environment: comma-separated


class Settings(BaseSettings):
    """Service settings. Production (the default when nothing is set) refuses to start without
    strong keys; development and test must be chosen explicitly (SUNLIGHT_ENVIRONMENT)."""

    model_config = SettingsConfigDict(env_prefix="SUNLIGHT_", extra="ignore")

    environment: Literal["development", "production", "test"] = "production"
    database_url: str = f"sqlite:///{Path.cwd() / 'var' / 'sunlight.sqlite3'}"
    rules_dir: Path = _REPO_ROOT / "rules"
    time_zone: str = LEGAL_TIME_ZONE
    # Secret mixed into record hashes and receipt verification codes: hex or base64 of at least
    # 32 random bytes (approval_core/keys.py). Development without one uses DEV_SECRET_KEY.
    secret_key: str = ""
    # The MAC new records and their receipt codes are sealed with: hmac-sha256, or hmac-sm3
    # (GB/T 32905, for 商用密码应用安全性评估; needs SM3 in Python's OpenSSL). Each record names
    # its own, so changing this never invalidates earlier records or printed codes.
    record_mac: RecordMac = DEFAULT_MAC
    # Seals stored contact-point secrets: hex or base64 of exactly 32 random bytes.
    data_key: str = ""
    # Bearer tokens: lifetime of a new or rotated token; how long a process trusts a token it
    # looked up before looking again (a revocation elsewhere takes effect within this).
    token_lifetime_days: int = Field(default=90, ge=1, le=3660)
    token_cache_seconds: float = Field(default=5.0, ge=0, le=60)
    # Outbound notifications: networks allowed although loopback, link-local or private
    # (e.g. "10.20.0.0/16,127.0.0.1"); every other non-public address is refused.
    outbound_allow: Networks = []
    # The public look-up: peers whose X-Forwarded-For is believed (reverse proxies), and at
    # most `public_lookup_limit` failed look-ups per client within each window.
    trusted_proxies: Networks = []
    public_lookup_limit: int = Field(default=10, ge=1)
    public_lookup_window_seconds: int = Field(default=60, ge=1, le=86400)
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
    # Judged facts are kept this long, then pruned (the records stay the truth; refused
    # changes, which have no record, are kept for good). See supervisor/housekeeping.py.
    fact_retention_days: int = Field(default=30, ge=1)
    # Database connections the API keeps open (see approval_core/db.py POOL_SIZE); on
    # PostgreSQL mind max_connections across processes.
    db_pool_size: int = Field(default=16, ge=1, le=200)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # Uploaded application materials (README "Uploaded materials"): kept in this directory,
    # outside anything served as static files, under random names; at most
    # `upload_max_bytes` per file and `upload_max_files` per request.
    upload_dir: Path = Path.cwd() / "var" / "uploads"
    upload_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1)
    upload_max_files: int = Field(default=20, ge=1, le=1000)
    # uvicorn's line per request on standard output; a proxy in front usually logs them
    # already, and /metrics counts them by route (a line costs ~0.1 ms of the server's CPU).
    access_log: bool = True
    # E-mail notifications (SUNLIGHT_SMTP_HOST, _PORT, _SENDER, _USERNAME, _PASSWORD, _STARTTLS)
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_sender: str = "sunlight@localhost"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    # SMS to applicants through a generic HTTP gateway (SUNLIGHT_SMS_GATEWAY_URL, _ACCESS_KEY,
    # _SECRET, _SIGN_NAME): the request is signed with HMAC-SHA256 under the secret; the sign
    # name (短信签名) is the one registered with the provider. No URL: SMS attempts fail.
    sms_gateway_url: str = ""
    sms_access_key: str = ""
    sms_secret: str = ""
    sms_sign_name: str = ""
    # The provider's template (模板编号) of the password-reset code, params {code, minutes}.
    sms_reset_template: str = "SMS_SUNLIGHT_RESET_CODE"
    # Log-in through the province's unified identity platform (OpenID Connect, authorization
    # code flow with PKCE): the issuer (its /.well-known/openid-configuration is read), this
    # service's client id and secret there, and the ID token claim carrying the 居民身份证号.
    # The log-in button shows only when issuer and client id are set. The platform's host must
    # be public or inside SUNLIGHT_OUTBOUND_ALLOW.
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_id_number_claim: str = "id_number"
    host: str = "127.0.0.1"
    port: int = 8000
    # The address applicants and courts reach the service at (printed on documents, in QR codes
    # and in messages to applicants), e.g. https://sfj.example.gov.cn. Development and test fall
    # back to http://{host}:{port}; production requires it.
    public_url: str = ""
    # Signed documents (README "Signed documents"): how PDFs are signed (pades: PAdES with an
    # RSA or ECDSA key; an SM2 seal per GB/T 38540 would be another value), the issuing
    # department's key and certificate (PEM or DER), optional intermediate certificates and the
    # key's passphrase. Production requires key and certificate; development and test sign
    # with a throw-away self-signed certificate, said at start.
    document_signer: Literal["pades"] = "pades"
    signing_key_file: Path | None = None
    signing_cert_file: Path | None = None
    signing_chain_file: Path | None = None
    signing_key_passphrase: str = ""

    @field_validator("time_zone")
    @classmethod
    def _fixed_time_zone(cls, value: str) -> str:
        if value != LEGAL_TIME_ZONE:
            raise ValueError(
                f"time_zone is fixed to {LEGAL_TIME_ZONE} for legal dates; got {value!r}"
            )
        return value

    @field_validator("record_mac")
    @classmethod
    def _mac_available(cls, value: RecordMac) -> RecordMac:
        problem = mac_problem(value)
        if problem is not None:  # refuse to start rather than fail at the first record
            raise ValueError(f"SUNLIGHT_RECORD_MAC: {problem}")
        return value

    @field_validator("outbound_allow", "trusted_proxies", mode="before")
    @classmethod
    def _networks(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list):
            for net in value:
                ipaddress.ip_network(str(net), strict=False)  # ValueError names the bad one
        return value

    @model_validator(mode="after")
    def _safe_keys(self) -> Settings:
        """Production: strong keys and PostgreSQL, or no start. Development and test (chosen
        explicitly) fall back to the published development key, said loudly at start."""
        self.public_url = self.public_url.rstrip("/")
        if self.sms_gateway_url and not self.sms_gateway_url.startswith(("https://", "http://")):
            raise ValueError("SUNLIGHT_SMS_GATEWAY_URL must start with https:// or http://")
        if self.public_url and not self.public_url.startswith(("https://", "http://")):
            raise ValueError("SUNLIGHT_PUBLIC_URL must start with https:// or http://")
        if self.oidc_issuer and not self.oidc_issuer.startswith(("https://", "http://")):
            raise ValueError("SUNLIGHT_OIDC_ISSUER must start with https:// or http://")
        if self.environment != "production":
            self.public_url = self.public_url or f"http://{self.host}:{self.port}"
            self.secret_key = self.secret_key or DEV_SECRET_KEY
            self.data_key = self.data_key or derived_data_key(self.secret_key)
            return self
        problems = [
            key_problem("SUNLIGHT_SECRET_KEY", self.secret_key),
            key_problem("SUNLIGHT_DATA_KEY", self.data_key, exact=DATA_KEY_BYTES),
        ]
        if self.data_key and self.data_key == self.secret_key:
            problems.append("SUNLIGHT_DATA_KEY must differ from SUNLIGHT_SECRET_KEY")
        if self.database_url.startswith("sqlite"):
            problems.append("production needs PostgreSQL (SUNLIGHT_DATABASE_URL)")
        if not self.public_url:
            problems.append("production needs SUNLIGHT_PUBLIC_URL (printed on documents)")
        problems.extend(self._signing_problems())
        if self.oidc_issuer and not self.oidc_issuer.startswith("https://"):
            problems.append("SUNLIGHT_OIDC_ISSUER must be https:// in production")
        if self.sms_gateway_url and not self.sms_secret:
            problems.append(
                "SUNLIGHT_SMS_GATEWAY_URL needs SUNLIGHT_SMS_SECRET (requests are signed)"
            )
        found = [p for p in problems if p]
        if found:
            raise ValueError(
                "refusing to start in production (SUNLIGHT_ENVIRONMENT=production, the default; "
                "set SUNLIGHT_ENVIRONMENT=development for a local try-out): " + "; ".join(found)
            )
        return self

    def _signing_problems(self) -> list[str]:
        """Production signs documents with the department's own key and certificate."""
        files = {
            "SUNLIGHT_SIGNING_KEY_FILE": self.signing_key_file,
            "SUNLIGHT_SIGNING_CERT_FILE": self.signing_cert_file,
        }
        problems = [
            f"production needs {name} (documents are signed)"
            for name, path in files.items()
            if path is None
        ]
        files["SUNLIGHT_SIGNING_CHAIN_FILE"] = self.signing_chain_file
        problems += [
            f"{name}: no such file {path}"
            for name, path in files.items()
            if path is not None and not path.is_file()
        ]
        return problems

    @property
    def throwaway_signing(self) -> bool:
        """Documents are signed with a generated self-signed certificate (not production)."""
        return self.signing_key_file is None or self.signing_cert_file is None

    @property
    def token_lifetime(self) -> timedelta:
        return timedelta(days=self.token_lifetime_days)

    def startup_warnings(self) -> list[str]:
        """What every start must say out loud (development keys are public)."""
        if self.environment == "production":
            return []
        line = "!" * 78
        return [
            line,
            f"!!! SUNLIGHT_ENVIRONMENT={self.environment}: NOT FOR REAL DATA",
            "!!! "
            + (
                "using the PUBLIC development key: records and receipt codes can be forged"
                if self.secret_key == DEV_SECRET_KEY
                else "keys are not checked in this mode"
            ),
            "!!! 开发/测试模式：密钥公开或未经检查，切勿用于真实数据",
            *(
                [
                    "!!! documents are signed with a THROW-AWAY self-signed certificate "
                    "(SUNLIGHT_SIGNING_KEY_FILE / SUNLIGHT_SIGNING_CERT_FILE not set)",
                    "!!! 文书以临时自签名证书签章，不具法律效力",
                ]
                if self.throwaway_signing
                else []
            ),
            line,
        ]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests build their own `Settings`)."""
    return Settings()
