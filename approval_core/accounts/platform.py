"""Accounts of the province's unified identity platform (OpenID Connect): an account is found by
its issuer and subject; the first log-in of an unknown subject creates the account from what
the platform says about the person (checked like any applicant), with no password."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from approval_core.accounts.models import ApplicantAccount
from approval_core.accounts.service import create_account
from approval_core.cases.schemas import Applicant


def account_of_subject(session: Session, issuer: str, subject: str) -> ApplicantAccount | None:
    return session.scalars(
        select(ApplicantAccount).where(
            ApplicantAccount.oidc_issuer == issuer, ApplicantAccount.oidc_subject == subject
        )
    ).first()


def create_platform_account(
    session: Session,
    now: datetime,
    *,
    issuer: str,
    subject: str,
    login: str,
    applicant: Applicant,
) -> ApplicantAccount:
    """The account of a person the platform vouches for: it logs in through the platform only
    (no password) until its holder sets one by a reset code."""
    account = create_account(session, now, login=login, password=None, applicant=applicant)
    account.oidc_issuer, account.oidc_subject = issuer, subject
    session.flush()
    return account
