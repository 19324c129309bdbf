#!/usr/bin/env python3
"""Smoke run of meldcode_bench --scale at small sizes, so its code does not
rot: it must run and print every figure at every size. It asserts nothing
about time (numbers live in bench/RESULTS.md).

    scale_smoke.py MELDCODE_BENCH SCRATCH_DIR [postgres]

With "postgres", the store grows in a schema of its own in the throwaway
cluster of the CTest fixture "postgres" (MELDCODE_TEST_POSTGRES).
"""
import os
import re
import shutil
import subprocess
import sys
import uuid

SIZES = [300, 600]
FIGURES = [
    "officer's list, first page of 100",
    "chronology, first page of a concern with many entries",
    "durable submission",
    "ticket close (prompts)",
]
NUMBER = r"[0-9]+\.[0-9]+"


def cluster_conninfo():
    with open(os.environ["MELDCODE_TEST_POSTGRES"]) as f:
        return "host=%s user=postgres dbname=postgres" % f.read().strip()


def psql(conninfo, sql):
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", conninfo, "-c", sql], check=True)


def main():
    bench, scratch = sys.argv[1], sys.argv[2]
    on_postgres = len(sys.argv) > 3 and sys.argv[3] == "postgres"
    shutil.rmtree(scratch, ignore_errors=True)
    command = [bench, "--dir", scratch, "--scale", ",".join(map(str, SIZES)),
               "--scale-samples", "3", "--chronology-entries", "250"]
    schema = None
    if on_postgres:
        schema = "scale_smoke_" + uuid.uuid4().hex[:12]
        psql(cluster_conninfo(), "CREATE SCHEMA " + schema)
        command += ["--postgresql", cluster_conninfo() + " options='-c search_path=%s'" % schema]
    try:
        result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, timeout=600)
    finally:
        if schema:
            psql(cluster_conninfo(), "DROP SCHEMA %s CASCADE" % schema)
        shutil.rmtree(scratch, ignore_errors=True)
    print(result.stdout)
    if result.returncode != 0:
        sys.exit("meldcode_bench --scale failed (exit %d)" % result.returncode)
    store = "PostgreSQL" if on_postgres else "SQLite"
    missing = []
    for size in SIZES:
        for figure in FIGURES:
            row = r"^\| %d \| %s \| %s \|( %s ms \|){4}( %sx \|){2}$" % (
                size, store, re.escape(figure), NUMBER, NUMBER)
            if not re.search(row, result.stdout, re.MULTILINE):
                missing.append("%d: %s" % (size, figure))
    if missing:
        sys.exit("figures missing from the output: " + "; ".join(missing))


if __name__ == "__main__":
    main()
