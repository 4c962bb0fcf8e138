"""e2elib - what the end-to-end tests of the `earshot` command share.

The tests run the real binary (env EARSHOT, set by ctest) on real files in a
temporary directory, and look into the real SQLite database it writes with
Python's sqlite3. Stdlib only; run with /usr/bin/python3.
"""
import os
import sqlite3
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("ES_SOURCE_DIR", os.path.dirname(os.path.dirname(HERE)))
EARSHOT = os.environ.get("EARSHOT", os.path.join(SOURCE_DIR, "build", "earshot"))
SHARED = os.environ.get("ES_SHARED_DATA", os.path.join(SOURCE_DIR, "..", "shared", "data"))
DATA = os.path.join(SOURCE_DIR, "tests", "data", "e2e")


class Result:
    def __init__(self, args, proc):
        self.args = args
        self.rc = proc.returncode
        self.out = proc.stdout.decode("utf-8", "replace")
        self.err = proc.stderr.decode("utf-8", "replace")

    def __repr__(self):
        return "earshot %s -> %d\nstdout: %s\nstderr: %s" % (
            " ".join(self.args), self.rc, self.out[:2000], self.err[:2000])


def run(*args, db=None, stdin=None, cwd=None, timeout=300):
    """Runs earshot with args (and --db db); returns a Result."""
    argv = [EARSHOT] + (["--db", db] if db else []) + [str(a) for a in args]
    proc = subprocess.run(argv, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          cwd=cwd, timeout=timeout)
    return Result([str(a) for a in args], proc)


def fail(msg, res=None):
    print("FAIL: %s" % msg)
    if res is not None:
        print(res)
    sys.exit(1)


def expect(cond, msg, res=None):
    if not cond:
        fail(msg, res)


def expect_rc(res, rc, what):
    expect(res.rc == rc, "%s: exit status %d, expected %d" % (what, res.rc, rc), res)


def sql(db, query, *params):
    """Rows of a query on the store, read with Python's own sqlite3."""
    con = sqlite3.connect(db)
    try:
        return con.execute(query, params).fetchall()
    finally:
        con.close()


def mention_count(db):
    return sql(db, "SELECT count(*) FROM mentions")[0][0]


def tempdir():
    return tempfile.TemporaryDirectory(prefix="earshot-e2e-")


def data(name):
    return os.path.join(DATA, name)


def check_binary():
    if not os.access(EARSHOT, os.X_OK):
        fail("no earshot binary at %s (set EARSHOT)" % EARSHOT)


def ok(name):
    print("PASS %s" % name)
    sys.exit(0)
