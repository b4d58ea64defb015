"""The baseline of the action-path benchmark: a bare FastAPI endpoint that inserts one row with
SQLAlchemy into the same kind of database (SQLite in WAL mode through the project's own engine
settings, or PostgreSQL), served by uvicorn exactly as Sunlight is.

Run: BENCH_DATABASE_URL=... uvicorn --app-dir bench/action_path bare_app:app
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import JSON, Column, Integer, MetaData, String, Table, insert

from approval_core.db import UTCDateTime, make_engine
from approval_core.timeutil import utcnow

metadata = MetaData()
rows = Table(
    "bench_rows",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(64)),
    Column("payload", JSON),
    Column("created_at", UTCDateTime()),
)
engine = make_engine(os.environ["BENCH_DATABASE_URL"])
metadata.create_all(engine)
app = FastAPI()


class Body(BaseModel):
    kind: str = "action"
    payload: dict[str, Any] = {}


@app.post("/rows", status_code=201)
def add_row(body: Body) -> dict[str, Any]:
    now: datetime = utcnow()
    with engine.begin() as conn:
        new_id = conn.execute(
            insert(rows).values(kind=body.kind, payload=body.payload, created_at=now)
        ).inserted_primary_key
    return {"id": new_id[0] if new_id else None, "at": now.isoformat()}


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}
