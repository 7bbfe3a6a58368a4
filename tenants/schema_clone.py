"""Copy the migrated template schema into a new company schema, from the catalogs.

django-tenants' `clone_schema` asks `information_schema` about every column of every
table, joined against every column of the whole database: its cost grows with the number
of companies times the template's columns (5.7 s at 55 companies here). This reads
`pg_class`, `pg_constraint` and `pg_index` for the template alone, so it stays flat.
Names of constraints and indexes are kept, so later migrations find them in every schema.
"""

from __future__ import annotations

from django.db import connection


def _quoted(name: str) -> str:
    return connection.ops.quote_name(name)


def schema_clone(source: str, target: str) -> None:
    """Tables (columns, defaults, identities), constraints, indexes and rows of `source`
    recreated in a new schema `target`, in the caller's transaction."""
    src, dst = _quoted(source), _quoted(target)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL search_path TO public")  # definitions then name the source schema
        cursor.execute(f"CREATE SCHEMA {dst}")
        cursor.execute(
            "SELECT c.relname FROM pg_class c WHERE c.relnamespace = %s::regnamespace AND c.relkind IN ('r', 'p') "
            "ORDER BY c.relname",
            [source],
        )
        tables = [row[0] for row in cursor.fetchall()]
        for table in tables:
            cursor.execute(
                f"CREATE TABLE {dst}.{_quoted(table)} (LIKE {src}.{_quoted(table)} INCLUDING DEFAULTS "
                "INCLUDING IDENTITY INCLUDING GENERATED INCLUDING STORAGE INCLUDING COMMENTS)"
            )
        # Keys first (foreign keys need them), then checks, then foreign keys.
        cursor.execute(
            "SELECT t.relname, con.conname, pg_get_constraintdef(con.oid) FROM pg_constraint con "
            "JOIN pg_class t ON t.oid = con.conrelid WHERE t.relnamespace = %s::regnamespace "
            "ORDER BY CASE con.contype WHEN 'p' THEN 0 WHEN 'u' THEN 1 WHEN 'x' THEN 1 WHEN 'c' THEN 2 ELSE 3 END, "
            "t.relname, con.conname",
            [source],
        )
        for table, name, definition in cursor.fetchall():
            definition = definition.replace(f"REFERENCES {source}.", f"REFERENCES {target}.")
            cursor.execute(f"ALTER TABLE {dst}.{_quoted(table)} ADD CONSTRAINT {_quoted(name)} {definition}")
        cursor.execute(
            "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid "
            "WHERE t.relnamespace = %s::regnamespace "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid) ORDER BY 1",
            [source],
        )
        for (definition,) in cursor.fetchall():
            cursor.execute(definition.replace(f" ON {source}.", f" ON {target}.", 1))
        for table in tables:
            copy_rows = f"INSERT INTO {dst}.{_quoted(table)} SELECT * FROM {src}.{_quoted(table)}"  # noqa: S608 (quoted catalog names)
            cursor.execute(copy_rows)
            if cursor.rowcount:
                _identities_advance(cursor, target, table)


def _identities_advance(cursor, schema: str, table: str) -> None:
    """After copying rows, identity columns continue after the highest copied value."""
    cursor.execute(
        "SELECT a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
        "WHERE c.relnamespace = %s::regnamespace AND c.relname = %s AND a.attidentity <> ''",
        [schema, table],
    )
    for (column,) in cursor.fetchall():
        qualified = f"{_quoted(schema)}.{_quoted(table)}"
        highest = f"COALESCE(MAX({_quoted(column)}), 1)"
        advance = f"SELECT setval(pg_get_serial_sequence(%s, %s), {highest}) FROM {qualified}"  # noqa: S608
        cursor.execute(advance, [qualified, column])
