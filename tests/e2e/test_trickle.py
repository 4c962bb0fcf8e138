"""A slow stream on stdin is committed as it comes: `earshot ingest -` fed a
few records, then nothing for a while, must report them committed (its
--commit-log) and have them in the store long before the stream ends or a
batch fills; the records that follow, and the end of the stream, commit the
rest. Without the reader cutting partial batches and the store thread
committing what it holds, nothing would be committed until stdin closed."""
import json
import os
import subprocess
import tempfile
import time

import e2elib as e

WAIT = 15.0  # seconds allowed for a silent stream's records to commit


def record(i):
    return (json.dumps({"id": "t%03d" % i, "source": "web",
                        "text": "slow stream message number %d about a late flight" % i,
                        "created_at": 1709600000 + i}) + "\n").encode()


def last_committed(log):
    if not os.path.exists(log):
        return 0
    with open(log) as f:
        lines = [x.split() for x in f if x.startswith("committed ")]
    return int(lines[-1][1]) if lines else 0


def wait_committed(log, n):
    """Seconds until the log reports n committed, or None after WAIT."""
    t0 = time.time()
    while time.time() - t0 < WAIT:
        if last_committed(log) >= n:
            return time.time() - t0
        time.sleep(0.05)
    return None


def main():
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "t.db")
        log = os.path.join(tmp, "commits.log")
        p = subprocess.Popen([e.EARSHOT, "--db", db, "--quiet", "ingest", "--commit-log", log,
                              "-"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        try:
            for i in range(3):
                p.stdin.write(record(i))
            p.stdin.flush()
            took = wait_committed(log, 3)
            e.expect(took is not None, "3 records on a silent stream not committed in %gs (log: %r)"
                     % (WAIT, open(log).read() if os.path.exists(log) else None))
            stored = e.sql(db, "SELECT count(*) FROM mentions")[0][0]
            e.expect(stored == 3, "the log says 3 committed but the store holds %d" % stored)
            for i in range(3, 5):
                p.stdin.write(record(i))
            p.stdin.flush()
            e.expect(wait_committed(log, 5) is not None, "2 more records not committed")
            rest = b"".join(record(i) for i in range(5, 8))
            out, err = p.communicate(rest, timeout=60)  # and closes stdin
        finally:
            if p.poll() is None:
                p.kill()
        e.expect(p.returncode == 0, "exit status %d: %s" % (p.returncode, err.decode()[:500]))
        e.expect(last_committed(log) == 8, "the end of the stream commits the rest")
        ids = [r[0] for r in e.sql(db, "SELECT external_id FROM mentions ORDER BY id")]
        e.expect(ids == ["t%03d" % i for i in range(8)], "stored in input order: %s" % ids)
        print("ok: first records committed %.2fs after they were written" % took)


if __name__ == "__main__":
    main()
