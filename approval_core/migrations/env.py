"""Alembic environment: our metadata, batch mode for SQLite, URL from the config."""

from __future__ import annotations

from alembic import context

import approval_core.models  # noqa: F401  (registers the core tables)
from approval_core.db import Base, make_engine

config = context.config
# The supervisor's tables register on the same metadata when its models are imported (as the
# autogenerate command and the tests do); the core itself never imports the supervisor.
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
