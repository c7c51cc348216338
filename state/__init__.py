"""The only package that touches SQLite: schema, migrations, queries and the alert outbox."""
