"""RSS and Atom feeds end to end: the real `earshot feed` against a local
HTTP server (python http.server in this process) that serves feeds with an
ETag and a Last-Modified, checks the conditional headers earshot sends, and
answers 304 when they match. Covers: feed add (and its refusals), the first
poll storing every item with its source, location, URL and analysis; a
second poll that is not due fetching nothing; a conditional poll answered
304; a changed feed adding only its new item; a server that ignores the
validators re-sending everything without a duplicate; a redirect; an Atom
feed; and failures recorded per feed without stopping the others
(malformed XML with its line, an HTTP error, a redirect loop, a server
that is down), with no item lost once the feed is repaired.
"""
import http.server
import json
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib as e  # noqa: E402

RSS_ITEM = """<item><title>{title}</title><link>http://shop.example/r/{n}</link>
<guid isPermaLink="false">rev-{n}</guid>
<description><![CDATA[<p>{text}</p>]]></description>
<pubDate>Mon, 16 Nov 2026 1{n}:00:00 GMT</pubDate></item>"""

ITEMS = [
    ("Cold food", "Waited an hour and the food was cold. Terrible service."),
    ("Great staff", "Lovely staff, the best coffee in town!"),
    ("Lost order", "They lost my order twice, third time this month."),
]


def rss(n_items):
    body = "".join(RSS_ITEM.format(n=i, title=t, text=x)
                   for i, (t, x) in enumerate(ITEMS[:n_items]))
    return ('<?xml version="1.0"?><rss version="2.0"><channel><title>Shop reviews</title>'
            + body + "</channel></rss>").encode()


ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>News</title>
<entry><title>Acme recalls kettles</title><id>urn:news:1</id>
<link href="http://news.example/1"/><updated>2026-11-20T08:00:00Z</updated>
<summary type="html">&lt;b&gt;Fires&lt;/b&gt; reported &amp;amp; kettles recalled</summary></entry>
</feed>"""


class Feeds:
    """What the local server serves, and what it saw."""

    def __init__(self):
        self.lock = threading.Lock()
        self.docs = {}  # path -> [body, etag, last_modified, honour validators]
        self.seen = []  # (path, If-None-Match, If-Modified-Since)


def handler_for(feeds):
    class H(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            inm = self.headers.get("If-None-Match")
            ims = self.headers.get("If-Modified-Since")
            with feeds.lock:
                feeds.seen.append((self.path, inm, ims))
                doc = feeds.docs.get(self.path)
            if self.path == "/moved":
                self.send_response(301)
                self.send_header("Location", "/shop.xml")
                self.end_headers()
                return
            if self.path == "/loop":
                self.send_response(302)
                self.send_header("Location", "/loop")
                self.end_headers()
                return
            if self.path == "/broken-http":
                self.send_response(500)
                self.end_headers()
                return
            if doc is None:
                self.send_response(404)
                self.end_headers()
                return
            body, etag, lm, honour = doc
            if honour and inm is not None and inm == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            if etag:
                self.send_header("ETag", etag)
            if lm:
                self.send_header("Last-Modified", lm)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return H


def feed_rows(db):
    return {r[0]: r[1:] for r in e.sql(
        db, "SELECT name, etag, last_modified, last_status, last_error, items FROM feeds")}


def main():
    e.check_binary()
    feeds = Feeds()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler_for(feeds))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    base = "http://127.0.0.1:%d" % srv.server_address[1]
    lm1 = "Mon, 16 Nov 2026 12:00:00 GMT"
    feeds.docs["/shop.xml"] = [rss(2), '"v1"', lm1, True]
    try:
        with e.tempdir() as tmp:
            db = os.path.join(tmp, "feeds.db")
            run_all(db, base, feeds, lm1)
    finally:
        srv.shutdown()
    e.ok("feeds")


def seen_since(feeds, k):
    with feeds.lock:
        return feeds.seen[k:]


def run_all(db, base, feeds, lm1):
    r = e.run("feed", "add", base + "/shop.xml", "--name", "shop", "--source", "review",
              "--every", "15m", "--location", "store-1", db=db)
    e.expect_rc(r, 0, "feed add")
    e.expect_rc(e.run("feed", "add", base + "/shop.xml", "--name", "again", db=db), 1,
                "the same URL twice")
    e.expect_rc(e.run("feed", "add", base + "/x", "--every", "5s", db=db), 1, "a 5 s period")

    # First poll: both items, unconditionally fetched.
    k = len(feeds.seen)
    r = e.run("feed", "poll", db=db)
    e.expect_rc(r, 0, "first poll")
    got = seen_since(feeds, k)
    e.expect(got == [("/shop.xml", None, None)], "first fetch: %r" % got)
    rows = e.sql(db, "SELECT source, external_id, text, location, url, created_at, intent,"
                     " polarity FROM mentions ORDER BY external_id")
    e.expect(len(rows) == 2, "two items stored: %r" % rows)
    e.expect(rows[0][:2] == ("review", "rev-0"), "source and id: %r" % (rows[0],))
    e.expect(rows[0][2] == "Cold food\n" + ITEMS[0][1], "text: %r" % rows[0][2])
    e.expect(rows[0][3] == "store-1" and rows[0][4] == "http://shop.example/r/0",
             "location and url: %r" % (rows[0],))
    e.expect(rows[0][5] == 1794823200, "pubDate: %r" % rows[0][5])
    e.expect(rows[0][7] == -1 and rows[1][7] == 1, "analysed: %r" % rows)
    st = feed_rows(db)["shop"]
    e.expect(st[:4] == ('"v1"', lm1, 200, None) and st[4] == 2, "feed after poll: %r" % (st,))

    # Not due yet: nothing fetched.
    k = len(feeds.seen)
    e.expect_rc(e.run("feed", "poll", db=db), 0, "second poll")
    e.expect(seen_since(feeds, k) == [], "a feed that is not due was fetched")

    # --all: conditional, answered 304; nothing new.
    k = len(feeds.seen)
    e.expect_rc(e.run("feed", "poll", "--all", db=db), 0, "poll --all")
    e.expect(seen_since(feeds, k) == [("/shop.xml", '"v1"', lm1)],
             "conditional headers: %r" % seen_since(feeds, k))
    e.expect(feed_rows(db)["shop"][2] == 304, "304 recorded: %r" % (feed_rows(db)["shop"],))
    e.expect(e.mention_count(db) == 2, "a 304 stored something")

    # The feed changes: only the new item is added; new validators kept.
    feeds.docs["/shop.xml"] = [rss(3), '"v2"', "Tue, 17 Nov 2026 08:00:00 GMT", True]
    e.expect_rc(e.run("feed", "poll", "--all", db=db), 0, "poll after a change")
    e.expect(e.mention_count(db) == 3, "one new item: %d" % e.mention_count(db))
    st = feed_rows(db)["shop"]
    e.expect(st[0] == '"v2"' and st[2] == 200 and st[4] == 3, "after change: %r" % (st,))

    # A server that ignores validators: everything again, stored once.
    feeds.docs["/shop.xml"][3] = False
    e.expect_rc(e.run("feed", "poll", "--all", db=db), 0, "repeated poll")
    e.expect(e.mention_count(db) == 3, "items stored twice: %d" % e.mention_count(db))
    dup = e.sql(db, "SELECT count(*) FROM mentions GROUP BY source, external_id"
                    " HAVING count(*) > 1")
    e.expect(dup == [], "duplicate rows: %r" % dup)

    # A redirect to the same feed and an Atom feed, through `feed list`.
    feeds.docs["/news.atom"] = [ATOM, None, None, True]
    e.expect_rc(e.run("feed", "add", base + "/moved", "--name", "moved", db=db), 0, "add moved")
    e.expect_rc(e.run("feed", "add", base + "/news.atom", "--name", "news", db=db), 0, "add atom")
    e.expect_rc(e.run("feed", "poll", db=db), 0, "poll new feeds")
    news = e.sql(db, "SELECT source, external_id, text FROM mentions WHERE source = 'feed:news'")
    e.expect(news == [("feed:news", "urn:news:1",
                       "Acme recalls kettles\nFires reported & kettles recalled")],
             "atom item: %r" % news)
    e.expect(e.sql(db, "SELECT count(*) FROM mentions WHERE source = 'feed:moved'")[0][0] == 3,
             "the redirected feed's items (its own source)")
    r = e.run("feed", "list", db=db)
    e.expect_rc(r, 0, "feed list")
    e.expect("shop" in r.out and "news" in r.out and "moved" in r.out, "list: %s" % r.out)
    r = e.run("feed", "list", "--output", "json", db=db)
    rows = [json.loads(line) for line in r.out.splitlines()]
    e.expect([(x["name"], x["source"], x["status"], x["items"]) for x in rows] ==
             [("shop", "review", 200, 3), ("moved", None, 200, 3), ("news", None, 200, 1)],
             "list --output json: %s" % r.out)

    failures(db, base, feeds)


def failures(db, base, feeds):
    before = e.mention_count(db)
    feeds.docs["/bad.xml"] = [b"<rss><channel>\n<item><title>x</title>\n</channel></rss>",
                              '"b1"', None, True]
    for name, path in (("bad", "/bad.xml"), ("http500", "/broken-http"), ("loop", "/loop"),
                       ("gone", "/missing.xml")):
        e.expect_rc(e.run("feed", "add", base + path, "--name", name, db=db), 0, "add " + name)
    e.expect_rc(e.run("feed", "add", "http://127.0.0.1:1/down.xml", "--name", "down", db=db), 0,
                "add down")
    feeds.docs["/late.xml"] = [rss(1).replace(b"rev-0", b"late-0"), None, None, True]
    e.expect_rc(e.run("feed", "add", base + "/late.xml", "--name", "late", db=db), 0, "add late")
    r = e.run("feed", "poll", db=db)
    e.expect_rc(r, 0, "a poll with failing feeds")
    rows = feed_rows(db)
    e.expect(rows["bad"][3] is not None and rows["bad"][3].startswith("line 3:"),
             "malformed XML: %r" % (rows["bad"],))
    e.expect(rows["bad"][0] is None, "validators of a bad document kept: %r" % (rows["bad"],))
    e.expect(rows["http500"][2] == 500 and "500" in rows["http500"][3], "500: %r" % (rows,))
    e.expect(rows["gone"][2] == 404, "404: %r" % (rows["gone"],))
    e.expect(rows["loop"][3] is not None, "redirect loop: %r" % (rows["loop"],))
    e.expect(rows["down"][2] == 0 and rows["down"][3], "down: %r" % (rows["down"],))
    e.expect("bad: line 3:" in r.err, "the failure is said: %s" % r.err)
    # The healthy feed of the same poll was stored anyway.
    e.expect(e.mention_count(db) == before + 1, "late feed: %d" % e.mention_count(db))

    # Repaired: the item comes in on the next poll, once.
    feeds.docs["/bad.xml"] = [rss(1).replace(b"rev-0", b"fixed-0"), '"b2"', None, True]
    e.expect_rc(e.run("feed", "poll", "--all", db=db), 0, "poll after repair")
    e.expect_rc(e.run("feed", "poll", "--all", db=db), 0, "poll after repair again")
    e.expect(e.mention_count(db) == before + 2, "repaired: %d" % e.mention_count(db))
    e.expect(feed_rows(db)["bad"][3] is None, "error cleared: %r" % (feed_rows(db)["bad"],))

    # remove: the feed goes, its mentions stay.
    fid = e.sql(db, "SELECT id FROM feeds WHERE name = 'bad'")[0][0]
    e.expect_rc(e.run("feed", "remove", str(fid), db=db), 0, "remove")
    e.expect_rc(e.run("feed", "remove", str(fid), db=db), 1, "remove twice")
    e.expect(e.mention_count(db) == before + 2, "remove kept the mentions")
    audit = e.sql(db, "SELECT action FROM audit WHERE object = ?", "feed:%d" % fid)
    e.expect(sorted(a[0] for a in audit) == ["feed.add", "feed.remove"], "audit: %r" % audit)


if __name__ == "__main__":
    main()
