#!/usr/bin/env python3
"""A throwaway PostgreSQL 15 cluster for the tests that run against the
PostgreSQL store adapter (CTest fixture "postgres", tests/CMakeLists.txt).

    postgres_cluster.py start STATE_FILE [--durable]
                                           initdb + pg_ctl start; writes the
                                           cluster's folder to STATE_FILE
    postgres_cluster.py stop STATE_FILE    pg_ctl stop, removes the folder

The cluster lives in a fresh folder under /tmp, listens on a Unix socket in
that folder only (no TCP port to collide with anyone), trusts local
connections, and skips fsync (its data is thrown away) unless --durable (for
benchmarks: a commit then waits for the disk, as in production). PostgreSQL refuses
to run as root, and CI runs as root: then the cluster runs as the system
user meldcode-test (created once with useradd --system). Nothing has to be
started before the tests; a cluster left behind by an interrupted run is
stopped by the next start.
"""
import os
import pwd
import shutil
import subprocess
import sys
import tempfile

POSTGRES_BIN = "/usr/lib/postgresql/15/bin"
TEST_USER = "meldcode-test"


def as_user():
    """The command prefix that runs a PostgreSQL program as a user it accepts."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam(TEST_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                        TEST_USER], check=True)
    return ["runuser", "-u", TEST_USER, "--"]


def run(command):
    result = subprocess.run(as_user() + command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    if result.returncode != 0:
        sys.exit("%s failed:\n%s" % (os.path.basename(command[0]), result.stdout))


def stop(state_file):
    try:
        with open(state_file) as f:
            folder = f.read().strip()
    except FileNotFoundError:
        return
    data = os.path.join(folder, "data")
    if os.path.isdir(data):
        subprocess.run(as_user() + [os.path.join(POSTGRES_BIN, "pg_ctl"), "-D", data, "-m",
                                    "fast", "-w", "stop"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shutil.rmtree(folder, ignore_errors=True)
    os.remove(state_file)


def start(state_file, durable=False):
    stop(state_file)
    folder = tempfile.mkdtemp(prefix="meldcode-pg-")
    with open(state_file, "w") as f:
        f.write(folder + "\n")
    if os.geteuid() == 0:
        as_user()  # creates the user before chown needs it
        shutil.chown(folder, TEST_USER, TEST_USER)
    data = os.path.join(folder, "data")
    run([os.path.join(POSTGRES_BIN, "initdb"), "-D", data, "-U", "postgres", "-A", "trust",
         "-E", "UTF8", "--no-sync"])
    run([os.path.join(POSTGRES_BIN, "pg_ctl"), "-D", data, "-l", os.path.join(folder, "log"),
         "-w", "-o", "-k %s -c listen_addresses='' %s-c max_connections=50"
         % (folder, "" if durable else "-c fsync=off "),
         "start"])
    print("postgres: cluster at host=%s user=postgres" % folder)


if __name__ == "__main__":
    durable = sys.argv[3:] == ["--durable"]
    if len(sys.argv) != 3 + durable or sys.argv[1] not in ("start", "stop"):
        sys.exit("usage: postgres_cluster.py start STATE_FILE [--durable] | stop STATE_FILE")
    if sys.argv[1] == "start":
        start(sys.argv[2], durable)
    else:
        stop(sys.argv[2])
