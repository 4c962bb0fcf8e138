"""Survey definitions end to end with the real binary, a real SQLite file and
real sockets (docs/surveys.md, "Survey definitions"):

- `earshot survey template --driver Cleanliness --default`, `survey define
  FILE.json`, `survey list` and `survey show ID --output json`; bad files are
  refused with the JSON path of the fault and nothing is stored;
- the API: GET /api/v1/surveys and /api/v1/surveys/{id} (any signed-in
  role), POST /api/v1/surveys (admin only; 400 naming the JSON path, 409 for
  a name taken, 403 for a manager);
- the new default's questions are the ones customers get: GET /s/CODE (the
  QR web survey) asks the driver question of the survey defined last with
  "default": true.
"""
import http.client
import json
import os
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib as e  # noqa: E402

WAIT = {"name": "Waiting time", "hot_threshold": 3, "default": True, "questions": [
    {"key": "overall", "kind": "scale5", "role": "overall",
     "text": "How satisfied were you today? (1-5)", "label": "Overall satisfaction"},
    {"key": "recommend", "kind": "scale10", "role": "recommend",
     "text": "Would you recommend us? (0-10)", "label": "Likelihood to recommend"},
    {"key": "queue", "kind": "scale5", "role": "driver",
     "text": "How short was the queue at the till? (1-5)", "label": "Queue at the till"},
    {"key": "parking", "kind": "yesno", "role": "driver",
     "text": "Did you find parking easily? (yes/no)", "label": "Parking"},
    {"key": "comment", "kind": "text", "role": "comment",
     "text": "Anything else? (or reply SKIP)"}]}

BAD = [  # (definition, what the error must name)
    ({"questions": WAIT["questions"]}, "name: missing"),
    (dict(WAIT, name="b1", hot_threshold=9), "hot_threshold"),
    (dict(WAIT, name="b2", colour="red"), "colour: unknown member"),
    (dict(WAIT, name="b3", questions=[dict(WAIT["questions"][0], kind="stars")]),
     "questions[0].kind: unknown kind"),
    (dict(WAIT, name="b4", questions=WAIT["questions"][:2] + [
        dict(WAIT["questions"][2], role="driver", kind="text")]),
     "questions[2]: a driver question must be scale5, scale10 or yesno"),
    (dict(WAIT, name="b5", questions=WAIT["questions"][:3] + [
        dict(WAIT["questions"][3], key="queue")]), "questions[3]: two questions have the same key"),
    (dict(WAIT, name="b6", questions=[WAIT["questions"][2]] * 11), "questions: 11 questions"),
    (dict(WAIT, name="b7", questions=[{"kind": "scale5", "role": "overall", "text": "x"}]),
     "questions[0].key: missing"),
]


def ok(res, what):
    e.expect_rc(res, 0, what)
    return res.out


def test_cli(db, tmp):
    out = ok(e.run("survey", "template", "--driver", "Cleanliness", "--default", db=db),
             "template")
    e.expect("survey 1 " in out and "default" in out, out)
    sv = json.loads(ok(e.run("survey", "show", "1", "--output", "json", db=db), "show"))
    e.expect([q["role"] for q in sv["questions"]] == ["overall", "recommend", "driver", "comment"]
             and sv["questions"][2]["label"] == "Cleanliness" and
             sv["questions"][2]["text"] == "How would you rate the cleanliness? (1-5)" and
             sv["default"], "template %r" % sv)
    for i, (bad, needle) in enumerate(BAD):
        path = os.path.join(tmp, "bad%d.json" % i)
        with open(path, "w") as f:
            json.dump(bad, f)
        res = e.run("survey", "define", path, db=db)
        e.expect(res.rc == 2 and needle in res.err, "define %s: %r" % (needle, res.err), res)
    with open(os.path.join(tmp, "syntax.json"), "w") as f:
        f.write('{"name": "x", "questions": [')
    res = e.run("survey", "define", os.path.join(tmp, "syntax.json"), db=db)
    e.expect(res.rc == 2 and "line 1" in res.err, "syntax error %r" % res.err, res)
    e.expect(e.sql(db, "SELECT count(*) FROM surveys")[0][0] == 1, "a bad survey was stored")
    cli_def = dict(WAIT, name="From the CLI", default=False)
    path = os.path.join(tmp, "cli.json")
    with open(path, "w") as f:
        json.dump(cli_def, f)
    out = ok(e.run("survey", "define", path, db=db), "define")
    e.expect("survey 2 " in out and "5 questions" in out, out)
    res = e.run("survey", "define", path, db=db)
    e.expect(res.rc == 2 and "name" in res.err, "same name twice: %r" % res.err, res)
    lines = ok(e.run("survey", "list", "--output", "json", db=db), "list").splitlines()
    listed = [json.loads(x) for x in lines]
    e.expect([(s["id"], s["name"], s["default"]) for s in listed] ==
             [(1, "default", True), (2, "From the CLI", False)], "list %r" % listed)
    e.expect(listed[1]["questions"][4]["label"] == "comment", "label defaults to the key")
    table = ok(e.run("survey", "list", db=db), "list table")
    e.expect("From the CLI" in table, table)
    for bad in (["survey", "show"], ["survey", "show", "x"], ["survey", "list", "--name", "x"],
                ["survey", "define"]):
        e.expect_rc(e.run(*bad, db=db), 1, " ".join(bad))
    e.expect_rc(e.run("survey", "show", "99", db=db), 2, "show of no survey")


class Server:
    def __init__(self, db):
        self.proc = subprocess.Popen([e.EARSHOT, "--db", db, "serve", "--listen", "127.0.0.1:0"],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        line = self.proc.stdout.readline().decode()
        e.expect(line.startswith("earshot: listening on http://127.0.0.1:"),
                 "serve did not start: %r" % line)
        self.port = int(line.rsplit(":", 1)[1])

    def call(self, method, path, token=None, body=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            h = {"Authorization": "Bearer " + token} if token else {}
            if body is not None:
                h["Content-Type"] = "application/json"
                if not isinstance(body, (bytes, str)):
                    body = json.dumps(body)
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            return r.status, r.read()
        finally:
            c.close()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout=30)
        err = self.proc.stderr.read().decode("utf-8", "replace")
        e.expect(rc == 0, "serve exited %d: %s" % (rc, err[-2000:]))
        e.expect("Sanitizer" not in err and "runtime error" not in err, err[-4000:])


def tokens(db):
    ok(e.run("location", "add", "eu/fr/lyon", "--code", "LY1", "--name", "Lyon", db=db), "loc")
    toks = {}
    for name, role, loc in (("root", "admin", None), ("mia", "manager", "eu/fr/"),
                            ("vic", "viewer", None)):
        ok(e.run("user", "add", name, "--role", role, "--no-password",
                 *(["--location", loc] if loc else []), db=db), "user " + name)
        toks[name] = ok(e.run("token", "create", name + "-t", "--role", role, "--user", name,
                              db=db), "token").strip().split()[-1]
    return toks


def test_api(srv, toks, db):
    st, body = srv.call("GET", "/s/LY1")
    e.expect(st == 200 and b"How would you rate the cleanliness? (1-5)" in body,
             "the QR survey asks the template's driver: %d" % st)
    for who in ("root", "mia", "vic"):
        st, body = srv.call("GET", "/api/v1/surveys", toks[who])
        e.expect(st == 200 and [s["id"] for s in json.loads(body)["items"]] == [1, 2],
                 "%s list %d %r" % (who, st, body[:200]))
    st, body = srv.call("GET", "/api/v1/surveys")
    e.expect(st == 401, "anonymous list: %d" % st)
    st, body = srv.call("GET", "/api/v1/surveys/2", toks["vic"])
    e.expect(st == 200 and json.loads(body)["name"] == "From the CLI", "get %d" % st)
    for path in ("/api/v1/surveys/99", "/api/v1/surveys/abc"):
        st, _ = srv.call("GET", path, toks["root"])
        e.expect(st == 404, "GET %s: %d" % (path, st))
    st, _ = srv.call("POST", "/api/v1/surveys", toks["mia"], WAIT)
    e.expect(st == 403, "manager POST: %d" % st)
    for bad, needle in BAD:
        st, body = srv.call("POST", "/api/v1/surveys", toks["root"], bad)
        e.expect(st == 400 and needle in json.loads(body)["error"],
                 "POST %s: %d %r" % (needle, st, body))
    st, body = srv.call("POST", "/api/v1/surveys", toks["root"], b"[1, 2")
    e.expect(st == 400, "syntax: %d" % st)
    st, body = srv.call("POST", "/api/v1/surveys", toks["root"], WAIT)
    e.expect(st == 201, "POST: %d %r" % (st, body))
    sv = json.loads(body)
    e.expect(sv["id"] == 3 and sv["default"] and sv["hot_threshold"] == 3 and
             [q["key"] for q in sv["questions"]] == ["overall", "recommend", "queue", "parking",
                                                     "comment"], "created %r" % sv)
    st, _ = srv.call("POST", "/api/v1/surveys", toks["root"], WAIT)
    e.expect(st == 409, "same name again: %d" % st)
    st, body = srv.call("GET", "/api/v1/surveys/1", toks["root"])
    e.expect(st == 200 and not json.loads(body)["default"], "the old default is one no more")
    # The new default is what customers are asked now.
    st, body = srv.call("GET", "/s/LY1")
    e.expect(st == 200 and b"How short was the queue at the till? (1-5)" in body and
             b"Did you find parking easily?" in body and b"cleanliness" not in body,
             "the QR survey asks the new default's questions: %d %r" % (st, body[:400]))
    acts = e.sql(db, "SELECT count(*) FROM audit WHERE action LIKE 'survey%'")[0][0]
    e.expect(acts >= 3, "surveys added are audited: %d" % acts)


def main():
    e.check_binary()
    with e.tempdir() as tmp:
        db = os.path.join(tmp, "defs.db")
        test_cli(db, tmp)
        toks = tokens(db)
        srv = Server(db)
        try:
            test_api(srv, toks, db)
        finally:
            srv.stop()
    e.ok("survey definitions")


if __name__ == "__main__":
    main()
