"""The providers' webhooks over real HTTP against the real `earshot serve`:
Meta (GET handshake, POST verified by X-Hub-Signature-256 over the raw
body) and Twilio SMS (form posts verified by X-Twilio-Signature over the
configured URL and the sorted parameters, answered in TwiML).

Authenticity is shown with the providers' published example signatures
(the same vectors as tests/unit/http/test_sig.c: GitHub's X-Hub-Signature-256
example, which Meta's scheme shares, and Twilio's request-validation
examples); every altered body byte, parameter, URL, signature or a missing
header is refused with 403 and stores nothing. Then signed deliveries are
stored once however often they are re-delivered. The secrets come from the
environment, which overrides the --config file (checked too, with a bad
file refused with its line).
"""
import base64
import hashlib
import hmac
import http.client
import json
import os
import signal
import subprocess
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib as e  # noqa: E402

META_SECRET = "It's a Secret to Everybody"
META_EXAMPLE_BODY = b"Hello, World!"
META_EXAMPLE_SIG = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
TW_TOKEN = "12345"
TW_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
TW_EXAMPLE = [("To", "+18005551212"), ("From", "+14158675309"), ("Digits", "1234"),
              ("CallSid", "CA1234567890ABCDE"), ("Caller", "+14158675309")]
TW_EXAMPLE_SIG = "RSOYDt4T1cUTdK1PDd93/VVr8B8="
VERIFY = "vt-from-env-7f3a"


class Server:
    def __init__(self, db, env, *extra):
        argv = [e.EARSHOT, "--db", db, "serve", "--listen", "127.0.0.1:0"] + list(extra)
        full = dict(os.environ)
        for k in list(full):
            if k.startswith("EARSHOT_"):
                del full[k]
        full.update(env)
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=full)
        line = self.proc.stdout.readline().decode()
        if not line.startswith("earshot: listening on http://127.0.0.1:"):
            self.proc.kill()
            e.fail("serve did not start: %r %s" % (line, self.proc.stderr.read().decode()))
        self.port = int(line.rsplit(":", 1)[1])

    def request(self, method, path, body=None, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            return r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read()
        finally:
            c.close()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            e.fail("serve did not stop")
        err = self.proc.stderr.read().decode("utf-8", "replace")
        for secret in (META_SECRET, VERIFY, TW_TOKEN + "\n", "file-secret-9x"):
            e.expect(secret not in err, "a secret was logged: %s" % err)
        return rc


def meta_sig(body, secret=META_SECRET):
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def twilio_sig(url, params, token=TW_TOKEN):
    s = url + "".join(k + v for k, v in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), s.encode(), hashlib.sha1).digest()).decode()


def form(params):
    return urllib.parse.urlencode(params).encode()


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def test_meta_handshake(srv):
    q = urllib.parse.urlencode({"hub.mode": "subscribe", "hub.verify_token": VERIFY,
                                "hub.challenge": "1158201444"})
    st, h, body = srv.request("GET", "/hooks/meta?" + q)
    e.expect(st == 200 and body == b"1158201444", "handshake: %d %r" % (st, body))
    e.expect(h.get("content-type", "").startswith("text/plain"), "type: %r" % h)
    for bad in ({"hub.mode": "subscribe", "hub.verify_token": VERIFY + "x", "hub.challenge": "1"},
                {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY, "hub.challenge": "1"},
                {"hub.mode": "subscribe", "hub.verify_token": "file-verify", "hub.challenge": "1"},
                {"hub.mode": "subscribe", "hub.verify_token": VERIFY},
                {"hub.mode": "subscribe", "hub.verify_token": VERIFY,
                 "hub.challenge": "<script>"},
                {"hub.mode": "subscribe", "hub.challenge": "1"}):
        st, _, body = srv.request("GET", "/hooks/meta?" + urllib.parse.urlencode(bad))
        e.expect(st == 403, "handshake %r: %d %r" % (bad, st, body))


def test_meta_signatures(srv, db):
    j = {"Content-Type": "application/json"}
    # The published example verifies: the request gets past the signature
    # (then 400: "Hello, World!" is no Meta delivery), never 403.
    st, _, body = srv.request("POST", "/hooks/meta", META_EXAMPLE_BODY,
                              dict(j, **{"X-Hub-Signature-256": META_EXAMPLE_SIG}))
    e.expect(st == 400, "published example: %d %r" % (st, body))
    for i in range(len(META_EXAMPLE_BODY)):
        b = bytearray(META_EXAMPLE_BODY)
        b[i] ^= 0x01
        st, _, _ = srv.request("POST", "/hooks/meta", bytes(b),
                               dict(j, **{"X-Hub-Signature-256": META_EXAMPLE_SIG}))
        e.expect(st == 403, "altered body byte %d: %d" % (i, st))
    for sig in (META_EXAMPLE_SIG[:-1] + "8", META_EXAMPLE_SIG.replace("sha256=", "sha1="),
                META_EXAMPLE_SIG[:-1], ""):
        st, _, _ = srv.request("POST", "/hooks/meta", META_EXAMPLE_BODY,
                               dict(j, **{"X-Hub-Signature-256": sig}))
        e.expect(st == 403, "altered signature %r: %d" % (sig, st))
    st, _, _ = srv.request("POST", "/hooks/meta", META_EXAMPLE_BODY, j)
    e.expect(st == 403, "no signature header: %d" % st)
    e.expect(e.mention_count(db) == 0, "a refused delivery stored something")

    delivery = json.dumps({"object": "page", "entry": [{"id": "PAGE", "time": 1763900000,
        "changes": [{"field": "feed", "value": {
            "item": "comment", "verb": "add", "comment_id": "PAGE_1_C9",
            "post_id": "PAGE_1", "message": "Your store on Main St charged me twice!",
            "from": {"id": "U77", "name": "Dana"}, "created_time": 1763900000}}]}]}).encode()
    for attempt in range(3):
        st, _, body = srv.request("POST", "/hooks/meta", delivery,
                                  dict(j, **{"X-Hub-Signature-256": meta_sig(delivery)}))
        e.expect(st == 200, "signed delivery: %d %r" % (st, body))
        e.expect(json.loads(body) == {"accepted": 1, "new": 1 if attempt == 0 else 0},
                 "delivery %d: %r" % (attempt, body))
    rows = e.sql(db, "SELECT source, external_id, text FROM mentions")
    e.expect(rows == [("facebook", "PAGE_1_C9", "Your store on Main St charged me twice!")],
             "stored once: %r" % rows)
    # Signed with another secret: refused.
    st, _, _ = srv.request("POST", "/hooks/meta", delivery,
                           dict(j, **{"X-Hub-Signature-256": meta_sig(delivery, "other")}))
    e.expect(st == 403, "another secret: %d" % st)


def test_twilio_signatures(srv, db):
    before = e.mention_count(db)
    # The published example (a voice call) verifies: 200, empty TwiML,
    # nothing to store.
    st, h, body = srv.request("POST", "/hooks/twilio", form(TW_EXAMPLE),
                              dict(FORM, **{"X-Twilio-Signature": TW_EXAMPLE_SIG}))
    e.expect(st == 200 and body == b'<?xml version="1.0" encoding="UTF-8"?><Response></Response>',
             "published example: %d %r" % (st, body))
    e.expect(h.get("content-type", "").startswith("text/xml"), "TwiML type: %r" % h)
    altered = [
        [(k, v + "1" if k == "Digits" else v) for k, v in TW_EXAMPLE],  # a value
        [(k + "x" if k == "Digits" else k, v) for k, v in TW_EXAMPLE],  # a name
        TW_EXAMPLE[:-1],                                                 # one removed
        TW_EXAMPLE + [("Extra", "1")],                                   # one added
    ]
    for params in altered:
        st, _, _ = srv.request("POST", "/hooks/twilio", form(params),
                               dict(FORM, **{"X-Twilio-Signature": TW_EXAMPLE_SIG}))
        e.expect(st == 403, "altered parameters %r: %d" % (params, st))
    for sig in (TW_EXAMPLE_SIG[:-2] + "9=", "x" + TW_EXAMPLE_SIG[1:], "", "not base64!"):
        st, _, _ = srv.request("POST", "/hooks/twilio", form(TW_EXAMPLE),
                               dict(FORM, **{"X-Twilio-Signature": sig}))
        e.expect(st == 403, "altered signature %r: %d" % (sig, st))
    st, _, _ = srv.request("POST", "/hooks/twilio", form(TW_EXAMPLE), FORM)
    e.expect(st == 403, "no signature header: %d" % st)
    # Signed for another URL (scheme, host, path, query): refused.
    for url in (TW_URL.replace("https", "http"), TW_URL.replace("mycompany", "mycompany2"),
                TW_URL.replace("myapp", "other"), TW_URL.replace("bar=2", "bar=3"), TW_URL + "&x"):
        st, _, _ = srv.request("POST", "/hooks/twilio", form(TW_EXAMPLE),
                               dict(FORM, **{"X-Twilio-Signature": twilio_sig(url, TW_EXAMPLE)}))
        e.expect(st == 403, "signed for %s: %d" % (url, st))
    st, _, body = srv.request("POST", "/hooks/twilio", b"a=%zz", FORM)
    e.expect(st == 400, "malformed form: %d %r" % (st, body))
    e.expect(e.mention_count(db) == before, "a refused post stored something")


def test_twilio_sms(srv, db):
    sms = [("MessageSid", "SM0123456789abcdef0123456789abcdef"), ("AccountSid", "AC1"),
           ("From", "+14158675309"), ("To", "+18005551212"), ("NumMedia", "0"),
           ("Body", "My order is late again, third time this month!")]
    sig = {"X-Twilio-Signature": twilio_sig(TW_URL, sms)}
    st, h, body = srv.request("POST", "/hooks/twilio", form(sms), dict(FORM, **sig))
    e.expect(st == 200 and body == b'<?xml version="1.0" encoding="UTF-8"?><Response>'
             b"<Message>Thanks &lt;3 &amp; more</Message></Response>", "sms: %d %r" % (st, body))
    # Re-delivered twice (with the parameters in another order): stored
    # once, answered without a second reply.
    for params in (sms, list(reversed(sms))):
        st, _, body = srv.request("POST", "/hooks/twilio", form(params), dict(FORM, **sig))
        e.expect(st == 200 and b"<Message>" not in body, "re-delivery: %d %r" % (st, body))
    rows = e.sql(db, "SELECT source, external_id, author, text, location, intent FROM mentions"
                     " WHERE source = 'sms'")
    e.expect(rows == [("sms", "SM0123456789abcdef0123456789abcdef", "+14158675309",
                       "My order is late again, third time this month!", "store-9",
                       "complaint")], "sms stored once: %r" % rows)
    # To a number without a location: stored with none.
    other = [("MessageSid", "SM2"), ("From", "+1"), ("To", "+19990000000"), ("Body", "hi")]
    st, _, _ = srv.request("POST", "/hooks/twilio", form(other),
                           dict(FORM, **{"X-Twilio-Signature": twilio_sig(TW_URL, other)}))
    e.expect(st == 200, "second sms: %d" % st)
    e.expect(e.sql(db, "SELECT location FROM mentions WHERE external_id = 'SM2'") == [(None,)],
             "no location")


def test_not_configured(tmp):
    db = os.path.join(tmp, "bare.db")
    srv = Server(db, {})
    try:
        for method, path in (("GET", "/hooks/meta?hub.mode=subscribe"), ("POST", "/hooks/meta"),
                             ("POST", "/hooks/twilio")):
            st, _, _ = srv.request(method, path, b"" if method == "POST" else None)
            e.expect(st == 404, "%s %s without a secret: %d" % (method, path, st))
    finally:
        e.expect(srv.stop() == 0, "bare server exit status")


def test_config_file(tmp):
    bad = os.path.join(tmp, "bad.ini")
    with open(bad, "w") as f:
        f.write("[meta]\napp_secret = file-secret-9x\nverify_tokn = x\n")
    r = e.run("serve", "--config", bad, "--listen", "127.0.0.1:0", db=os.path.join(tmp, "b.db"),
              timeout=20)
    e.expect(r.rc == 1 and bad + ":3: unknown key 'verify_tokn' in [meta]" in r.err,
             "bad config file", r)
    e.expect("file-secret-9x" not in r.err + r.out, "a secret was printed", r)


def main():
    e.check_binary()
    r = e.run("serve", "--help")
    e.expect("--config" in r.out, "serve --help does not list --config", r)
    with e.tempdir() as tmp:
        db = os.path.join(tmp, "hooks.db")
        ini = os.path.join(tmp, "earshot.ini")
        with open(ini, "w") as f:
            f.write("[meta]\napp_secret = file-secret-9x\nverify_token = file-verify\n"
                    "[twilio]\nauth_token = file-secret-9x\n")
        os.chmod(ini, 0o600)
        env = {"EARSHOT_META_APP_SECRET": META_SECRET, "EARSHOT_META_VERIFY_TOKEN": VERIFY,
               "EARSHOT_TWILIO_AUTH_TOKEN": TW_TOKEN, "EARSHOT_TWILIO_URL": TW_URL,
               "EARSHOT_TWILIO_REPLY": "Thanks <3 & more",
               "EARSHOT_TWILIO_LOCATIONS": "+15550000000=store-1, +18005551212=store-9"}
        srv = Server(db, env, "--config", ini)
        try:
            test_meta_handshake(srv)
            test_meta_signatures(srv, db)
            test_twilio_signatures(srv, db)
            test_twilio_sms(srv, db)
        finally:
            rc = srv.stop()
        e.expect(rc == 0, "serve exit status %d" % rc)
        test_not_configured(tmp)
        test_config_file(tmp)
    e.ok("hooks")


if __name__ == "__main__":
    main()
