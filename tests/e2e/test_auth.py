"""Users, sessions, tokens and the login rate limit over real HTTP (P4):
`earshot user` and `earshot token` on a temporary store, then the real
`earshot serve` on 127.0.0.1. Covers argon2id hashes at rest, the session
cookie's attributes, sessions stored hashed, CSRF on state changes (and
none needed with a Bearer token), logout, token roles (tokens made the old
way keep feeding /hooks/ingest), the users API (add, list with pagination,
change, disable ends sessions, an admin cannot lock themselves out),
refused bodies, the audit trail, and the rate limit: 429 with Retry-After
by name (5) and by client address (20), recorded in login_attempts.
"""
import hashlib
import http.client
import json
import os
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib as e  # noqa: E402


class Server:
    def __init__(self, db, *extra, env=None):
        argv = [e.EARSHOT, "--db", db, "serve", "--listen", "127.0.0.1:0"] + list(extra)
        full_env = dict(os.environ, **(env or {}))
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=full_env)
        line = self.proc.stdout.readline().decode()
        e.expect(line.startswith("earshot: listening on http://127.0.0.1:"),
                 "serve did not say where it listens: %r" % line)
        self.port = int(line.rsplit(":", 1)[1])

    def req(self, method, path, body=None, headers=None):
        h = dict(headers or {})
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
            h.setdefault("Content-Type", "application/json")
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            data = r.read()
            hdrs = dict((k.lower(), v) for k, v in r.getheaders())
            try:
                doc = json.loads(data) if data else None
            except ValueError:
                doc = data
            return r.status, hdrs, doc
        finally:
            c.close()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            e.fail("serve did not stop within 20 s of SIGTERM")
        err = self.proc.stderr.read().decode("utf-8", "replace")
        e.expect(rc == 0, "serve exited %d: %s" % (rc, err[-2000:]))
        e.expect("Sanitizer" not in err and "runtime error" not in err,
                 "serve reported memory errors: %s" % err[-4000:])


def add_user(db, name, role, password, *extra):
    res = e.run("user", "add", name, "--role", role, *extra, db=db,
                stdin=(password + "\n").encode())
    e.expect_rc(res, 0, "user add " + name)
    return int(res.out.strip())


def token(db, *args):
    res = e.run("token", "create", *args, db=db)
    e.expect_rc(res, 0, "token create")
    return res.out.strip()


def login(srv, name, password):
    st, h, doc = srv.req("POST", "/api/v1/login", {"name": name, "password": password})
    e.expect(st == 200, "login %s: %d %r" % (name, st, doc))
    cookie = h.get("set-cookie", "")
    return cookie.split(";", 1)[0], cookie, doc


def session(cookie, csrf=None):
    h = {"Cookie": cookie}
    if csrf:
        h["X-CSRF-Token"] = csrf
    return h


def test_cli(db, tmp):
    pwfile = os.path.join(tmp, "pw")
    with open(pwfile, "w") as f:
        f.write("from-a-file-123\n")
    res = e.run("user", "add", "filer", "--role", "agent", "--password-file", pwfile, db=db)
    e.expect_rc(res, 0, "user add --password-file")
    res = e.run("user", "add", "shorty", "--role", "agent", db=db, stdin=b"short\n")
    e.expect_rc(res, 1, "a short password")
    res = e.run("user", "add", "ROOT", "--role", "agent", db=db, stdin=b"whatever-long\n")
    e.expect_rc(res, 1, "a duplicate name (case differs)")
    e.expect("taken" in res.err, "duplicate: says why", res)
    res = e.run("user", "add", "x", "--role", "boss", db=db, stdin=b"whatever-long\n")
    e.expect_rc(res, 1, "an unknown role")
    res = e.run("user", "list", "--output", "json", db=db)
    e.expect_rc(res, 0, "user list")
    users = {u["name"]: u for u in map(json.loads, res.out.splitlines())}
    e.expect(users["mgr"]["locations"] == ["eu/", "store-a"] and users["mgr"]["role"] == "manager",
             "user list: %r" % users.get("mgr"))
    e.expect("shorty" not in users, "a refused user was stored")
    # Hashes at rest are argon2id, never the password.
    rows = e.sql(db, "SELECT name, password_hash FROM users")
    for name, h in rows:
        e.expect(h.startswith("$argon2id$v=19$m=19456,t=2,p=1$"), "hash of %s: %s" % (name, h))
        e.expect("from-a-file" not in h, "the password is in the hash")


def test_cli_changes(srv, db, tmp):
    """`earshot user disable|enable|passwd` on the store the server is using."""
    add_user(db, "cliuser", "agent", "cli-pass-one")
    cookie, _, _ = login(srv, "cliuser", "cli-pass-one")
    res = e.run("user", "disable", "cliuser", db=db)
    e.expect_rc(res, 0, "user disable")
    st, _, _ = srv.req("GET", "/api/v1/me", headers=session(cookie))
    e.expect(st == 401, "a session after `user disable`: %d" % st)
    st, _, _ = srv.req("POST", "/api/v1/login", {"name": "cliuser", "password": "cli-pass-one"})
    e.expect(st == 401, "a disabled user logs in: %d" % st)
    e.expect_rc(e.run("user", "enable", "cliuser", db=db), 0, "user enable")
    pwfile = os.path.join(tmp, "pw2")
    with open(pwfile, "w") as f:
        f.write("cli-pass-two\n")
    e.expect_rc(e.run("user", "passwd", "cliuser", "--password-file", pwfile, db=db), 0, "passwd")
    login(srv, "cliuser", "cli-pass-two")
    res = e.run("user", "passwd", "nobody", db=db, stdin=b"whatever-long\n")
    e.expect_rc(res, 1, "passwd of an unknown user")
    res = e.run("user", "passwd", "cliuser", db=db, stdin=b"")
    e.expect_rc(res, 1, "passwd without a password")


def test_login_csrf(srv, db):
    st, h, doc = srv.req("GET", "/api/v1/me")
    e.expect(st == 401 and h.get("www-authenticate", "").startswith("Bearer"),
             "me without credentials: %d %r" % (st, h))
    e.expect(h.get("x-content-type-options") == "nosniff", "security headers on a 401")

    cookie, raw, doc = login(srv, "root", "root-password-1")
    attrs = [a.strip() for a in raw.split(";")]
    e.expect(cookie.startswith("earshot_session=") and len(cookie) == len("earshot_session=") + 43,
             "cookie value: %r" % raw)
    for a in ("HttpOnly", "SameSite=Strict", "Path=/"):
        e.expect(a in attrs, "cookie lacks %s: %r" % (a, raw))
    e.expect("Secure" not in attrs, "Secure without an https public URL: %r" % raw)
    e.expect(doc["user"]["role"] == "admin" and len(doc["csrf"]) == 43, "login answer %r" % doc)
    csrf = doc["csrf"]
    # Only the SHA-256 of the session id is stored.
    sid = cookie.split("=", 1)[1]
    hashes = [bytes(r[0]) for r in e.sql(db, "SELECT hash FROM sessions")]
    e.expect(hashlib.sha256(sid.encode()).digest() in hashes, "session not stored hashed")
    e.expect(all(sid.encode() not in x for x in hashes), "session id stored in clear")

    st, _, me = srv.req("GET", "/api/v1/me", headers=session(cookie))
    e.expect(st == 200 and me["name"] == "root" and me["role"] == "admin" and me["csrf"] == csrf,
             "me: %d %r" % (st, me))

    new = {"name": "csrfuser", "role": "viewer", "password": "viewer-pass-1"}
    st, _, doc = srv.req("POST", "/api/v1/users", new, session(cookie))
    e.expect(st == 403 and "CSRF" in doc["error"], "POST without CSRF: %d %r" % (st, doc))
    bad = csrf[:-1] + ("A" if csrf[-1] != "A" else "B")
    st, _, _ = srv.req("POST", "/api/v1/users", new, session(cookie, bad))
    e.expect(st == 403, "POST with a wrong CSRF token: %d" % st)
    other, _, odoc = login(srv, "root", "root-password-1")
    st, _, _ = srv.req("POST", "/api/v1/users", new, session(cookie, odoc["csrf"]))
    e.expect(st == 403, "another session's CSRF token: %d" % st)
    st, _, doc = srv.req("POST", "/api/v1/users", new, session(cookie, csrf))
    e.expect(st == 201 and doc["name"] == "csrfuser", "POST with CSRF: %d %r" % (st, doc))

    # Logout: needs CSRF, ends the session, clears the cookie.
    st, _, _ = srv.req("POST", "/api/v1/logout", headers=session(other))
    e.expect(st == 403, "logout without CSRF: %d" % st)
    st, h, _ = srv.req("POST", "/api/v1/logout", headers=session(other, odoc["csrf"]))
    e.expect(st == 200 and "Max-Age=0" in h.get("set-cookie", ""), "logout: %d %r" % (st, h))
    st, _, _ = srv.req("GET", "/api/v1/me", headers=session(other))
    e.expect(st == 401, "me after logout: %d" % st)
    st, _, _ = srv.req("GET", "/api/v1/me", headers={"Cookie": "earshot_session=" + "x" * 43})
    e.expect(st == 401, "a forged session: %d" % st)
    return cookie, csrf


def test_refusals(srv):
    st, _, doc = srv.req("POST", "/api/v1/login", {"name": "root", "password": "nope-nope"})
    st2, _, doc2 = srv.req("POST", "/api/v1/login", {"name": "ghost", "password": "nope-nope"})
    e.expect(st == 401 and st2 == 401 and doc == doc2,
             "wrong password / unknown user differ: %r %r" % (doc, doc2))
    cases = [
        ("{", "application/json", 400),
        ("[]", "application/json", 400),
        ('{"name":"root"}', "application/json", 400),
        ('{"name":"root","password":"x","extra":1}', "application/json", 400),
        ('{"name":1,"password":"x"}', "application/json", 400),
        ('{"name":"root","password":"root-password-1"}', "text/plain", 415),
        ('{"name":"root","name":"x","password":"y"}', "application/json", 400),
    ]
    for body, ct, want in cases:
        st, _, doc = srv.req("POST", "/api/v1/login", body, {"Content-Type": ct})
        e.expect(st == want, "login body %r (%s): %d, expected %d %r" % (body, ct, st, want, doc))


def test_tokens(srv, db, admin_tok):
    legacy = token(db, "--name", "legacy-hook")          # the old way: role agent
    viewer = token(db, "dash", "--role", "viewer")
    res = e.run("token", "list", db=db)
    e.expect_rc(res, 0, "token list")
    roles = dict((ln.split()[-1], ln.split()[-2]) for ln in res.out.splitlines()[1:])
    e.expect(roles.get("dash") == "viewer" and roles.get("legacy-hook") == "agent" and
             roles.get("admin-script") == "admin", "token list roles: %r" % roles)
    e.expect(legacy not in res.out and viewer not in res.out, "token list shows a token")
    mention = json.dumps({"source": "twitter", "id": "auth-1", "text": "the flight was late"})
    st, _, doc = srv.req("POST", "/hooks/ingest", mention, {"Authorization": "Bearer " + legacy})
    e.expect(st == 202, "ingest with a token made the old way: %d %r" % (st, doc))
    st, _, _ = srv.req("POST", "/hooks/ingest", mention, {"Authorization": "Bearer " + viewer})
    e.expect(st == 403, "ingest with a viewer token: %d" % st)
    st, h, _ = srv.req("GET", "/api/v1/me", headers={"Authorization": "Bearer " + viewer[:-1] + "x"})
    e.expect(st == 401 and "invalid_token" in h.get("www-authenticate", ""), "bad token: %d" % st)
    st, _, me = srv.req("GET", "/api/v1/me", headers={"Authorization": "Bearer " + viewer})
    e.expect(st == 200 and me["role"] == "viewer" and me["token_id"] > 0 and "csrf" not in me,
             "me with a token: %r" % me)
    # A Bearer token changes state without any CSRF token.
    st, _, doc = srv.req("POST", "/api/v1/users",
                         {"name": "bytoken", "role": "agent", "password": "agent-pass-1",
                          "locations": ["store-a"], "email": "b@example.com"},
                         {"Authorization": "Bearer " + admin_tok})
    e.expect(st == 201 and doc["locations"] == ["store-a"], "POST with a token: %d %r" % (st, doc))
    st, _, _ = srv.req("GET", "/api/v1/users", headers={"Authorization": "Bearer " + viewer})
    e.expect(st == 403, "a viewer lists users: %d" % st)


def test_users_api(srv, cookie, csrf):
    h = session(cookie, csrf)
    st, _, page = srv.req("GET", "/api/v1/users?limit=2", headers=h)
    e.expect(st == 200 and len(page["items"]) == 2 and page["next"], "page 1: %r" % page)
    seen = [u["name"] for u in page["items"]]
    while page["next"]:
        st, _, page = srv.req("GET", "/api/v1/users?limit=2&cursor=" + page["next"], headers=h)
        e.expect(st == 200, "next page: %d" % st)
        seen += [u["name"] for u in page["items"]]
    e.expect(len(seen) == len(set(seen)) and "mgr" in seen and "root" in seen, "pages: %r" % seen)
    for q in ("limit=0", "limit=501", "limit=x", "offset=-1"):
        st, _, _ = srv.req("GET", "/api/v1/users?" + q, headers=h)
        e.expect(st == 400, "users?%s: %d" % (q, st))

    st, _, dup = srv.req("POST", "/api/v1/users", {"name": "MGR", "role": "agent"}, h)
    e.expect(st == 409, "a duplicate user: %d %r" % (st, dup))
    for body in ({"name": "z", "role": "boss"}, {"name": "z"}, {"name": "z z", "role": "agent"},
                 {"name": "z", "role": "agent", "password": "short"},
                 {"name": "z", "role": "agent", "locations": "eu/"},
                 {"name": "z", "role": "agent", "disabled": True}):
        st, _, doc = srv.req("POST", "/api/v1/users", body, h)
        e.expect(st == 400, "bad user %r: %d %r" % (body, st, doc))

    st, _, u = srv.req("POST", "/api/v1/users",
                       {"name": "temp", "role": "agent", "password": "temp-pass-1"}, h)
    e.expect(st == 201, "add temp: %d" % st)
    tcookie, _, _ = login(srv, "temp", "temp-pass-1")
    st, _, _ = srv.req("GET", "/api/v1/me", headers=session(tcookie))
    e.expect(st == 200, "temp logged in")
    path = "/api/v1/users/%d" % u["id"]
    st, _, doc = srv.req("PATCH", path, {"role": "manager", "locations": ["eu/"]}, h)
    e.expect(st == 200 and doc["role"] == "manager" and doc["locations"] == ["eu/"],
             "patch: %d %r" % (st, doc))
    st, _, _ = srv.req("GET", "/api/v1/me", headers=session(tcookie))
    e.expect(st == 401, "a role change ends the sessions: %d" % st)
    tcookie, _, _ = login(srv, "temp", "temp-pass-1")
    st, _, doc = srv.req("PATCH", path, {"disabled": True}, h)
    e.expect(st == 200 and doc["disabled"] is True, "disable: %r" % doc)
    st, _, _ = srv.req("GET", "/api/v1/me", headers=session(tcookie))
    e.expect(st == 401, "disabling ends the sessions: %d" % st)
    st, _, _ = srv.req("POST", "/api/v1/login", {"name": "temp", "password": "temp-pass-1"})
    e.expect(st == 401, "a disabled user logs in: %d" % st)
    st, _, _ = srv.req("PATCH", path, {"disabled": False, "password": "temp-pass-2"}, h)
    e.expect(st == 200, "enable + password")
    login(srv, "temp", "temp-pass-2")
    st, _, doc = srv.req("GET", path, headers=h)
    e.expect(st == 200 and doc["name"] == "temp", "get user: %r" % doc)
    for p, want in (("/api/v1/users/999999", 404), ("/api/v1/users/abc", 404)):
        st, _, _ = srv.req("GET", p, headers=h)
        e.expect(st == want, "GET %s: %d" % (p, st))
    st, _, _ = srv.req("PATCH", "/api/v1/users/999999", {"role": "agent"}, h)
    e.expect(st == 404, "patch a missing user: %d" % st)
    st, _, _ = srv.req("PATCH", path, {"name": "renamed"}, h)
    e.expect(st == 400, "renaming is refused: %d" % st)
    st, _, me = srv.req("GET", "/api/v1/me", headers=h)
    st, _, doc = srv.req("PATCH", "/api/v1/users/%d" % me["user_id"], {"disabled": True}, h)
    e.expect(st == 400, "an admin disables themselves: %d %r" % (st, doc))
    return u["id"]


def test_audit(srv, cookie, csrf, temp_id):
    h = session(cookie, csrf)
    st, _, page = srv.req("GET", "/api/v1/audit?limit=500", headers=h)
    e.expect(st == 200, "audit: %d" % st)
    actions = [a["action"] for a in page["items"]]
    for want in ("user.add", "user.login", "user.login_failed", "user.logout", "user.update",
                 "token.add"):
        e.expect(want in actions, "audit lacks %s: %r" % (want, sorted(set(actions))))
    st, _, page = srv.req("GET", "/api/v1/audit?object=user:%d" % temp_id, headers=h)
    e.expect(st == 200 and page["items"] and
             all(a["object"] == "user:%d" % temp_id for a in page["items"]), "by object")
    upd = [a for a in page["items"] if a["action"] == "user.update"]
    e.expect(upd and upd[0]["user_id"] > 0, "who changed it is recorded: %r" % upd)
    e.expect(all("temp-pass" not in (a["detail"] or "") for a in page["items"]),
             "a password in the audit trail")
    st, _, p1 = srv.req("GET", "/api/v1/audit?limit=2", headers=h)
    st2, _, p2 = srv.req("GET", "/api/v1/audit?limit=2&cursor=" + p1["next"], headers=h)
    e.expect(st == 200 and st2 == 200 and p1["items"][1]["id"] > p2["items"][0]["id"],
             "audit pages overlap: %r %r" % (p1, p2))
    st, _, _ = srv.req("GET", "/api/v1/audit?limit=500&offset=9600", headers=h)
    e.expect(st == 400, "audit reach: %d" % st)


def test_rate_limit(srv, db):
    before = e.sql(db, "SELECT coalesce(max(id), 0) FROM login_attempts")[0][0]
    for i in range(5):
        st, _, _ = srv.req("POST", "/api/v1/login", {"name": "victim", "password": "guess%d!" % i})
        e.expect(st == 401, "failure %d: %d" % (i, st))
    st, h, doc = srv.req("POST", "/api/v1/login", {"name": "victim", "password": "victim-pass-1"})
    e.expect(st == 429, "the right password after 5 failures: %d %r" % (st, doc))
    retry = int(h.get("retry-after", "0"))
    e.expect(0 < retry <= 900, "Retry-After: %r" % h.get("retry-after"))
    # Another name from this address still gets in ...
    login(srv, "mgr", "manager-pass-1")
    # ... until the address has 20 failures in the window, whatever the names.
    for i in range(30):
        st, h, _ = srv.req("POST", "/api/v1/login", {"name": "guess%d" % i, "password": "x" * 8})
        if st == 429:
            break
        e.expect(st == 401, "guess %d: %d" % (i, st))
    e.expect(st == 429 and h.get("retry-after"), "the address was never limited")
    fails = e.sql(db, "SELECT count(*) FROM login_attempts WHERE addr = '127.0.0.1' AND ok = 0")
    e.expect(fails[0][0] == 20, "limited after %d failures from the address" % fails[0][0])
    st, _, _ = srv.req("POST", "/api/v1/login", {"name": "root", "password": "root-password-1"})
    e.expect(st == 429, "the right password from a limited address: %d" % st)
    rows = e.sql(db, "SELECT name, addr, ok FROM login_attempts WHERE id > ? ORDER BY id", before)
    e.expect(rows[0] == ("victim", "127.0.0.1", 0) and rows[5] == ("mgr", "127.0.0.1", 1),
             "attempt rows: %r" % rows[:6])


def test_secure_cookie(db):
    """Behind https (the configured public URL), the cookie is Secure."""
    srv = Server(db, env={"EARSHOT_PUBLIC_URL": "https://care.example.com"})
    try:
        _, raw, _ = login(srv, "mgr", "manager-pass-1")
        attrs = [a.strip() for a in raw.split(";")]
        e.expect("Secure" in attrs and "HttpOnly" in attrs, "cookie over https: %r" % raw)
    finally:
        srv.stop()


def main():
    e.check_binary()
    with e.tempdir() as tmp:
        db = os.path.join(tmp, "auth.db")
        add_user(db, "root", "admin", "root-password-1")
        add_user(db, "mgr", "manager", "manager-pass-1", "--location", "eu/",
                 "--location", "store-a")
        add_user(db, "victim", "agent", "victim-pass-1")
        test_cli(db, tmp)
        admin_tok = token(db, "admin-script", "--role", "admin")
        test_secure_cookie(db)
        srv = Server(db)
        try:
            cookie, csrf = test_login_csrf(srv, db)
            test_refusals(srv)
            test_tokens(srv, db, admin_tok)
            test_cli_changes(srv, db, tmp)
            temp_id = test_users_api(srv, cookie, csrf)
            test_audit(srv, cookie, csrf, temp_id)
            test_rate_limit(srv, db)
        finally:
            srv.stop()
    e.ok("auth")


if __name__ == "__main__":
    main()
