"""Ordered, transactional schema migrations (sqlite-utils ``Migrations``).

Each migration runs in one transaction together with the record that it ran, so a process killed
half-way through leaves the schema at the previous version and the next start completes it.
Never edit a migration that has shipped: add a new one.
"""

from __future__ import annotations

import sqlite_utils
from sqlite_utils.migrations import Migrations

__all__ = ["MIGRATIONS", "SCHEMA_VERSION"]

MIGRATIONS = Migrations("treatywatch")

# (name, SQL statements separated by ";"), in order. Append new steps at the end; the number in
# the name is the schema version the step brings the database to.
_STEPS: list[tuple[str, str]] = [
    (
        "0001_initial",
        """
        CREATE TABLE sources (
            name TEXT PRIMARY KEY,
            url TEXT NOT NULL,
            etag TEXT,
            last_modified TEXT,
            body_hash TEXT,
            first_success TEXT,
            last_polled TEXT,
            last_success TEXT,
            last_status INTEGER,
            last_error TEXT,
            last_error_class TEXT,
            consecutive_failures INTEGER NOT NULL DEFAULT 0,
            entries_last_poll INTEGER
        );
        CREATE TABLE items (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            key TEXT NOT NULL,
            guid TEXT,
            link TEXT,
            canonical_link TEXT,
            title TEXT NOT NULL,
            summary TEXT NOT NULL,
            language TEXT,
            published TEXT,
            first_seen TEXT NOT NULL,
            UNIQUE (source, key)
        );
        CREATE INDEX items_first_seen ON items (first_seen);
        CREATE TABLE hits (
            id INTEGER PRIMARY KEY,
            item_id INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
            rule TEXT NOT NULL,
            severity TEXT NOT NULL,
            matched TEXT NOT NULL,
            explanation TEXT NOT NULL,
            alerted INTEGER NOT NULL,
            created TEXT NOT NULL,
            UNIQUE (item_id, rule)
        );
        CREATE INDEX hits_created ON hits (created);
        CREATE TABLE alerts (
            id TEXT PRIMARY KEY,
            hit_id INTEGER REFERENCES hits (id) ON DELETE CASCADE,
            channel TEXT NOT NULL,
            kind TEXT NOT NULL DEFAULT 'alert',
            status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'dead')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt TEXT NOT NULL,
            last_error TEXT,
            created TEXT NOT NULL,
            sent_at TEXT,
            payload TEXT NOT NULL,
            UNIQUE (hit_id, channel)
        );
        CREATE INDEX alerts_due ON alerts (status, next_attempt);
        """,
    ),
    (
        # Source health and scheduling (issue 4): the URL as configured beside the URL fetched
        # (a confirmed permanent redirect), the next poll and why, the adaptive interval and its
        # inputs, the failing streak's start, a pending redirect, and a disabled state (410).
        "0002_source_health",
        """
        ALTER TABLE sources ADD COLUMN config_url TEXT;
        UPDATE sources SET config_url = url;
        ALTER TABLE sources ADD COLUMN next_poll TEXT;
        ALTER TABLE sources ADD COLUMN next_poll_reason TEXT;
        ALTER TABLE sources ADD COLUMN interval_seconds REAL;
        ALTER TABLE sources ADD COLUMN hint_seconds REAL;
        ALTER TABLE sources ADD COLUMN failing_since TEXT;
        ALTER TABLE sources ADD COLUMN last_new_item TEXT;
        ALTER TABLE sources ADD COLUMN activity REAL NOT NULL DEFAULT 0;
        ALTER TABLE sources ADD COLUMN items_per_day REAL;
        ALTER TABLE sources ADD COLUMN redirect_url TEXT;
        ALTER TABLE sources ADD COLUMN redirect_seen INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE sources ADD COLUMN disabled_reason TEXT;
        ALTER TABLE sources ADD COLUMN disabled_at TEXT;
        ALTER TABLE sources ADD COLUMN last_warning TEXT;
        ALTER TABLE sources ADD COLUMN polls INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE sources ADD COLUMN failures INTEGER NOT NULL DEFAULT 0
        """,
    ),
]


def _register(name: str, script: str) -> None:
    @MIGRATIONS(name=name)
    def _migrate(db: sqlite_utils.Database) -> None:
        # Not executescript(): it commits first, which would break the migration's transaction.
        for statement in script.split(";"):
            if statement.strip():
                db.execute(statement)


for _name, _script in _STEPS:
    _register(_name, _script)

SCHEMA_VERSION = len(_STEPS)
