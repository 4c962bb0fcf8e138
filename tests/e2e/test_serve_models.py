"""Learned models in `earshot serve` (issue 5), over real HTTP: a department
model given with --model labels every webhook's mentions (department and
confidence stored); a new model file is swapped in without a restart, by
POST /api/v1/models/reload and by SIGHUP; a corrupt file is refused with
its reason and the model in use stays; reloading is for admins only.
"""
import csv
import http.client
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib as e  # noqa: E402

WORDS = {"billing": ["invoice", "charged", "refund", "bill", "payment"],
         "delivery": ["parcel", "courier", "late", "tracking", "delivered"]}
NOISE = ["please", "my", "the", "today", "help", "again", "hello", "still"]


def make_csv(path, seed, swap):
    """Tickets labelled by their words; with swap, each team gets the
    other's label, so a second model answers the opposite."""
    rng = random.Random(seed)
    other = {"billing": "delivery", "delivery": "billing"}
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["ticket", "body", "team"])
        for i in range(200):
            team = rng.choice(sorted(WORDS))
            words = rng.sample(NOISE, 3) + rng.sample(WORDS[team], 2)
            rng.shuffle(words)
            w.writerow(["t%d" % i, " ".join(words), other[team] if swap else team])


def train(d, name, swap):
    data, model = os.path.join(d, name + ".csv"), os.path.join(d, name + ".model")
    make_csv(data, 7, swap)
    r = e.run("train", "--task", "department", "--data", data, "--map", "id=ticket,text=body",
              "--label-column", "team", "--folds", "2", "--bits", "16", "--out", model)
    e.expect_rc(r, 0, "train " + name)
    return model


class Server:
    def __init__(self, db, model):
        self.proc = subprocess.Popen([e.EARSHOT, "--db", db, "serve", "--listen", "127.0.0.1:0",
                                      "--model", model], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        line = self.proc.stdout.readline().decode()
        e.expect(line.startswith("earshot: listening on"), "serve did not start: %r" % line)
        self.port = int(line.rsplit(":", 1)[1])

    def call(self, method, path, body=None, token=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        h = {"Content-Type": "application/json"}
        if token:
            h["Authorization"] = "Bearer " + token
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, data


def token(db, name, role):
    r = e.run("token", "create", name, "--role", role, db=db)
    e.expect_rc(r, 0, "token create")
    return r.out.strip().split()[-1]


def department(db, ext):
    rows = e.sql(db, "SELECT department, department_conf FROM mentions WHERE external_id = ?", ext)
    e.expect(len(rows) == 1, "mention %s not stored" % ext)
    return rows[0]


def post(srv, tok, ext, text):
    st, body = srv.call("POST", "/hooks/ingest",
                        json.dumps({"source": "web", "id": ext, "text": text}), tok)
    e.expect(st == 202, "ingest %s: %d %r" % (ext, st, body))


def main():
    e.check_binary()
    tmp = e.tempdir()
    d = tmp.name
    right, wrong = train(d, "right", False), train(d, "wrong", True)
    live = os.path.join(d, "live.model")
    shutil.copyfile(right, live)
    db = os.path.join(d, "m.db")
    agent, admin = token(db, "hook", "agent"), token(db, "ops", "admin")
    srv = Server(db, live)
    try:
        post(srv, agent, "a1", "I was charged twice, refund my invoice please")
        dep, conf = department(db, "a1")
        e.expect(dep == "billing" and 0.5 < conf <= 1.0, "first model: %r %r" % (dep, conf))

        st, _ = srv.call("POST", "/api/v1/models/reload", token=agent)
        e.expect(st == 403, "an agent reloaded the models: %d" % st)

        shutil.copyfile(wrong, live + ".tmp")
        os.replace(live + ".tmp", live)
        st, body = srv.call("POST", "/api/v1/models/reload", token=admin)
        e.expect(st == 200 and b'"department":{"generation":' in body, "reload: %d %r" % (st, body))
        post(srv, agent, "a2", "I was charged twice, refund my invoice please")
        e.expect(department(db, "a2")[0] == "delivery", "the swapped model is not in use")

        with open(live, "r+b") as f:  # one byte changed: the checksum refuses it
            f.seek(os.path.getsize(live) // 2)
            b = f.read(1)
            f.seek(-1, 1)
            f.write(bytes([b[0] ^ 0x40]))
        st, body = srv.call("POST", "/api/v1/models/reload", token=admin)
        e.expect(st == 422 and b"live.model" in body, "corrupt model: %d %r" % (st, body))
        post(srv, agent, "a3", "I was charged twice, refund my invoice please")
        e.expect(department(db, "a3")[0] == "delivery", "a refused file replaced the model")

        shutil.copyfile(right, live)
        srv.proc.send_signal(signal.SIGHUP)
        deadline = time.time() + 10
        while time.time() < deadline:
            post(srv, agent, "h%d" % int(time.time() * 1000), "refund my invoice, charged twice")
            rows = e.sql(db, "SELECT department FROM mentions WHERE external_id LIKE 'h%'"
                             " ORDER BY id DESC LIMIT 1")
            if rows and rows[0][0] == "billing":
                break
            time.sleep(0.05)
        else:
            e.fail("SIGHUP did not swap the model in")
        audit = e.sql(db, "SELECT count(*) FROM audit WHERE action = 'models.reload'")[0][0]
        e.expect(audit == 1, "one successful API reload audited, got %d" % audit)
    finally:
        srv.proc.send_signal(signal.SIGTERM)
        rc = srv.proc.wait(timeout=30)
    e.expect(rc == 0, "serve exit %d: %s" % (rc, srv.proc.stderr.read().decode()))
    e.ok("serve --model: labels, reload by API and SIGHUP, corrupt file refused")


if __name__ == "__main__":
    main()
