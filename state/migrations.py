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
    (
        # Identity and stories (issue 5): identity keys outlive pruned items so repeats stay
        # suppressed; stories group the hits of one event; an alert row names its story, and a
        # story has at most one row per channel and kind ('alert', 'follow_up'). Keys of items
        # stored before this step are backfilled from their GUIDs and canonical links.
        "0003_stories",
        """
        CREATE TABLE identity_keys (
            key TEXT PRIMARY KEY,
            source TEXT NOT NULL,
            item_id INTEGER,
            story_id TEXT,
            title TEXT NOT NULL DEFAULT '',
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL
        );
        CREATE INDEX identity_keys_last_seen ON identity_keys (last_seen);
        CREATE INDEX identity_keys_item ON identity_keys (item_id);
        CREATE TABLE stories (
            id TEXT PRIMARY KEY,
            rule TEXT NOT NULL,
            treaties TEXT NOT NULL,
            states TEXT NOT NULL,
            steps TEXT NOT NULL,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL
        );
        CREATE INDEX stories_last_seen ON stories (last_seen);
        CREATE TABLE story_keys (
            bucket TEXT NOT NULL,
            first_seen TEXT NOT NULL,
            story_id TEXT NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
            PRIMARY KEY (bucket, first_seen, story_id)
        ) WITHOUT ROWID;
        CREATE INDEX story_keys_story ON story_keys (story_id);
        CREATE TABLE story_members (
            id INTEGER PRIMARY KEY,
            story_id TEXT NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
            item_id INTEGER,
            hit_id INTEGER UNIQUE REFERENCES hits (id) ON DELETE SET NULL,
            source TEXT NOT NULL,
            official INTEGER NOT NULL,
            outlet TEXT NOT NULL,
            language TEXT,
            url TEXT,
            title TEXT NOT NULL,
            duplicate INTEGER NOT NULL,
            published TEXT,
            first_seen TEXT NOT NULL,
            UNIQUE (story_id, item_id)
        );
        CREATE INDEX story_members_story ON story_members (story_id, first_seen);
        ALTER TABLE alerts ADD COLUMN story_id TEXT;
        CREATE UNIQUE INDEX alerts_story ON alerts (story_id, channel, kind)
            WHERE story_id IS NOT NULL;
        INSERT OR IGNORE INTO identity_keys (key, source, item_id, first_seen, last_seen)
            SELECT 'guid:' || source || char(31) || trim(guid), source, id, first_seen,
                   first_seen
            FROM items WHERE guid IS NOT NULL AND trim(guid) != '';
        INSERT OR IGNORE INTO identity_keys (key, source, item_id, title, first_seen, last_seen)
            SELECT 'url:' || canonical_link, source, id, title, first_seen, first_seen
            FROM items WHERE canonical_link IS NOT NULL AND canonical_link != ''
        """,
    ),
    (
        # Delivery bookkeeping (issue 6): why a row died, when its attempts started, a marker
        # for a send in flight (a row still marked after a crash is resent with the same id),
        # and the digest a row was folded into.
        "0004_delivery",
        """
        ALTER TABLE alerts ADD COLUMN dead_reason TEXT;
        ALTER TABLE alerts ADD COLUMN first_attempt TEXT;
        ALTER TABLE alerts ADD COLUMN last_attempt TEXT;
        ALTER TABLE alerts ADD COLUMN sending_since TEXT;
        ALTER TABLE alerts ADD COLUMN digest_id TEXT;
        CREATE INDEX alerts_channel_status ON alerts (channel, status, created);
        CREATE INDEX alerts_digest ON alerts (digest_id) WHERE digest_id IS NOT NULL;
        CREATE INDEX alerts_sending ON alerts (sending_since) WHERE sending_since IS NOT NULL;
        """,
    ),
    (
        # Operations (issue 7): narrow covering indexes for what /metrics, /healthz and the
        # dashboard read on every request, so they never scan the alert payloads or every hit.
        "0005_operations",
        """
        CREATE INDEX alerts_summary ON alerts (channel, kind, status, created, next_attempt,
            attempts);
        CREATE INDEX alerts_sent ON alerts (sent_at, id) WHERE status = 'sent';
        CREATE INDEX hits_rule ON hits (rule);
        CREATE INDEX items_first_seen_source ON items (first_seen, source);
        """,
    ),
    (
        # Cases (issue 11): a case is one state or a joint group leaving one treaty, its
        # stories are its steps. A story keeps the step it reports (the most advanced one it
        # named, for stories stored before this step) and its case; each existing story
        # becomes a case of its own, with its first treaty and its states.
        "0006_cases",
        """
        CREATE TABLE cases (
            id TEXT PRIMARY KEY,
            treaty TEXT NOT NULL,
            states TEXT NOT NULL,
            parent TEXT,
            steps TEXT NOT NULL DEFAULT '[]',
            closed TEXT,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL
        );
        CREATE INDEX cases_treaty ON cases (treaty, last_seen);
        CREATE INDEX cases_last_seen ON cases (last_seen);
        ALTER TABLE stories ADD COLUMN case_id TEXT;
        ALTER TABLE stories ADD COLUMN step TEXT;
        ALTER TABLE stories ADD COLUMN step_strong INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE stories ADD COLUMN treaty_kind TEXT;
        ALTER TABLE story_members ADD COLUMN step TEXT;
        ALTER TABLE story_members ADD COLUMN step_strong INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX stories_case ON stories (case_id);
        UPDATE stories SET step = CASE
            WHEN instr(steps, '"reversal"') THEN 'reversal'
            WHEN instr(steps, '"suspension"') THEN 'suspension'
            WHEN instr(steps, '"entry_into_force"') THEN 'entry_into_force'
            WHEN instr(steps, '"notification"') THEN 'notification'
            WHEN instr(steps, '"signed_into_law"') THEN 'signed_into_law'
            WHEN instr(steps, '"parliament_vote"') THEN 'parliament_vote'
            WHEN instr(steps, '"government_decision"') THEN 'government_decision'
            WHEN instr(steps, '"announcement"') THEN 'announcement'
            END, case_id = 'case_' || substr(id, 6);
        INSERT OR IGNORE INTO cases (id, treaty, states, parent, steps, closed, first_seen,
            last_seen)
            SELECT case_id, coalesce(json_extract(treaties, '$[0]'), '-'), states, NULL,
                   json_array(json_object('step', step, 'story', id, 'first_seen', first_seen)),
                   NULL, first_seen, last_seen
            FROM stories
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
