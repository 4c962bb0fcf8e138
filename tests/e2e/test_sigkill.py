"""Kills `earshot ingest` with SIGKILL at random moments (8 seeded cycles)
and checks after each kill that every mention the process had reported as
committed (its --commit-log, fsynced after each transaction) is in the store
and that SQLite's integrity check passes. A final run completes the file:
every id stored exactly once."""
import json
import os
import random
import signal
import subprocess
import time

import e2elib as e

N = 6000     # mentions in the input
BATCH = 150  # records per transaction, so that a run makes 40 commits
CYCLES = 8
SEED = 20240305

WORDS = ("flight delayed again refund bag lost staff kind thanks terrible great seat "
         "crew gate hours waiting app crashed order arrived broken help please").split()


def make_input(path, rng):
    with open(path, "w") as f:
        for i in range(N):
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 30)))
            f.write(json.dumps({"id": "k%05d" % i, "source": "web", "text": "%s #%d" % (text, i),
                                "created_at": 1709600000 + i}) + "\n")


def last_committed(log):
    """The mentions committed by the last run, from its last log line."""
    if not os.path.exists(log):
        return 0
    with open(log) as f:
        lines = [x.split() for x in f if x.startswith("committed ")]
    return int(lines[-1][1]) if lines else 0


def start(db, src, log):
    return subprocess.Popen([e.EARSHOT, "--db", db, "--quiet", "ingest", "--batch", str(BATCH),
                             "--commit-log", log, src],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def check_store(db, committed, cycle):
    rows = e.sql(db, "PRAGMA integrity_check")
    e.expect(rows == [("ok",)], "cycle %d: integrity_check: %r" % (cycle, rows))
    stored = {x[0] for x in e.sql(db, "SELECT external_id FROM mentions")}
    missing = [i for i in range(committed) if "k%05d" % i not in stored]
    e.expect(not missing, "cycle %d: %d committed mentions missing (first k%05d)"
             % (cycle, len(missing), missing[0] if missing else 0))
    dups = e.sql(db, "SELECT count(*) - count(DISTINCT source || '/' || external_id) FROM mentions")
    e.expect(dups[0][0] == 0, "cycle %d: duplicates stored" % cycle)
    return len(stored)


def main():
    e.check_binary()
    rng = random.Random(SEED)
    with e.tempdir() as d:
        src = os.path.join(d, "in.jsonl")
        make_input(src, rng)
        # How long a whole run takes here, fresh and over a full store (later
        # cycles are partly reruns), to aim the kills inside a run.
        tdb, tlog = os.path.join(d, "timing.db"), os.path.join(d, "timing.log")
        runs = []
        for _ in range(2):
            t0 = time.monotonic()
            p = start(tdb, src, tlog)
            p.communicate(timeout=300)
            runs.append(time.monotonic() - t0)
            e.expect(p.returncode == 0, "an uninterrupted run succeeds (exit %d)" % p.returncode)
        full = max(min(runs), 0.05)
        db = os.path.join(d, "k.db")
        kills = 0
        for cycle in range(CYCLES):
            log = os.path.join(d, "commit-%d.log" % cycle)
            p = start(db, src, log)
            time.sleep(rng.uniform(0.0, full * 0.8))
            p.send_signal(signal.SIGKILL)
            p.communicate(timeout=60)
            kills += p.returncode == -signal.SIGKILL
            committed = last_committed(log)
            n = check_store(db, committed, cycle)
            print("cycle %d: exit %d, %d reported committed, %d stored"
                  % (cycle, p.returncode, committed, n))
        e.expect(kills >= CYCLES // 4, "enough runs were killed mid-way (%d of %d)" % (kills, CYCLES))
        log = os.path.join(d, "final.log")
        p = start(db, src, log)
        _, err = p.communicate(timeout=300)
        e.expect(p.returncode == 0, "the final run completes: %s" % err.decode(errors="replace"))
        e.expect(last_committed(log) == N, "the final run reports all %d committed" % N)
        n = check_store(db, N, CYCLES)
        e.expect(n == N and e.mention_count(db) == N, "every id once: %d" % e.mention_count(db))
    e.ok("sigkill")


main()
