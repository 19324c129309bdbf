#!/usr/bin/env python3
"""Copies a SQLite store grown by `meldcode_bench --scale` into a PostgreSQL
schema, so that the PostgreSQL adapter is measured on the same rows
(bench/RESULTS.md): growing 1M concerns through the service on PostgreSQL
takes hours on this machine, one round trip per statement.

    scale_to_postgresql.py SQLITE_FILE DATABASE_CONNINFO TEMPLATE_SCHEMA TARGET_SCHEMA

TEMPLATE_SCHEMA holds a PostgreSQL store at the latest schema (any store the
bench opened); its tables, indexes and triggers are created again, empty, in
the new TARGET_SCHEMA, and every row of the SQLite file is copied into them
as it is. The rows stay valid: sealed values are bound to the row's ref or id
and the key ring, blind indexes to the key ring, audit links to the rows'
canonical form, none of them to the adapter. Then

    meldcode_bench --scale SIZE --postgresql "... search_path=TARGET_SCHEMA" \\
        --scale-keys THE_SQLITE_STORE'S_KEY_RING

measures there (and grows it on from what it holds).
"""
import sqlite3
import subprocess
import sys

PG_BIN = "/usr/lib/postgresql/15/bin/"
# In an order that satisfies the foreign keys.
TABLES = ["key_checks", "concerns", "submissions", "entries", "host_events", "audit",
          "audit_head", "prompts", "reminders_notified", "export_requests", "tenancies",
          "request_keys", "figures"]


def psql(conninfo, sql):
    return subprocess.run([PG_BIN + "psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", conninfo,
                           "-c", sql], check=True, stdout=subprocess.PIPE, text=True).stdout


def copy_text(value):
    if value is None:
        return "\\N"
    if isinstance(value, bytes):
        return "\\\\x" + value.hex()
    text = str(value)
    return (text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
            .replace("\r", "\\r"))


def copy_table(source, conninfo, schema, table):
    columns = psql(conninfo, "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) "
                   "FROM information_schema.columns WHERE table_schema = '%s' AND "
                   "table_name = '%s'" % (schema, table)).strip()
    copy = subprocess.Popen([PG_BIN + "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", conninfo, "-c",
                             "\\copy %s.%s (%s) FROM pstdin" % (schema, table, columns)],
                            stdin=subprocess.PIPE, text=True)
    rows = 0
    for row in source.execute("SELECT %s FROM %s" % (columns, table)):
        copy.stdin.write("\t".join(copy_text(v) for v in row) + "\n")
        rows += 1
    copy.stdin.close()
    if copy.wait() != 0:
        sys.exit("copying %s failed" % table)
    print("%s: %d rows" % (table, rows), flush=True)


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    sqlite_file, conninfo, template, target = sys.argv[1:]
    source = sqlite3.connect("file:%s?mode=ro" % sqlite_file, uri=True)
    schema = subprocess.run([PG_BIN + "pg_dump", "--schema-only", "--no-owner", "-n", template,
                             conninfo], check=True, stdout=subprocess.PIPE, text=True).stdout
    schema = schema.replace(template + ".", target + ".").replace(
        "CREATE SCHEMA " + template, "CREATE SCHEMA " + target)
    subprocess.run([PG_BIN + "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", conninfo],
                   input=schema, check=True, text=True, stdout=subprocess.DEVNULL)
    version = psql(conninfo, "SELECT version FROM %s.schema_version" % template).strip()
    psql(conninfo, "INSERT INTO %s.schema_version VALUES (1, %s)" % (target, version))
    for table in TABLES:
        copy_table(source, conninfo, target, table)
    # Identities go on after the copied ids, as after growing here.
    for table in ["concerns", "submissions", "export_requests", "figures"]:
        psql(conninfo, "SELECT setval(pg_get_serial_sequence('%s.%s', 'id'), "
             "(SELECT coalesce(max(id), 1) FROM %s.%s))" % (target, table, target, table))
    psql(conninfo, "ANALYZE")


if __name__ == "__main__":
    main()
