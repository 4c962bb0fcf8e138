#!/usr/bin/python3
"""gen_twitter_v2.py - prints N realistic Twitter/X API v2 JSON lines (one
tweet per line, with includes.users, entities and public metrics, about 1.1
KB each) for bench/e2e.sh, when `earshot demo --stream twitter-v2` is not
available. Seeded, so two runs print the same lines.

usage: bench/gen_twitter_v2.py COUNT [SEED] > tweets.jsonl
"""
import json
import random
import sys

BRANDS = ["AcmeAir", "SkyRival", "JetOther"]
OPENERS = ["", "Hey ", "Seriously ", "Wow, ", "Honestly ", "Ugh. ", "Just wanted to say "]
BODIES = [
    "my flight {n} was delayed {h} hours and nobody at the gate could tell us why",
    "lost my bag again on the way to {city}, third time this year. I want a refund",
    "the crew on {n} to {city} were fantastic, thank you so much!",
    "been on hold for {h} hours, is anyone actually answering the phone?",
    "can I change my seat on {n} without paying the fee?",
    "thanks for nothing, the app crashed during check-in and I missed the flight",
    "great service at {city} airport today, smooth boarding and friendly staff",
    "my suitcase arrived damaged and the handle is broken. Who do I contact?",
    "cancelled flight, no hotel voucher, no answer to my emails. Done with you",
    "RT if you also love the new lounge in {city} 😍",
    "food poisoning after the meal on {n}. This is not ok",
    "win a free trip? DM me the code please!!! #giveaway",
]
CITIES = ["Boston", "Lisbon", "Denver", "Austin", "Chicago", "Seattle", "Miami", "Dublin"]
TAGS = ["#travel", "#fail", "#customerservice", "#delay", "#thankyou", "#avgeek"]


EXTRA = ("today yesterday tonight this morning again still finally seriously honestly "
         "literally really so very quite never always maybe please guys team folks "
         "terminal baggage desk counter lounge kiosk gate upgrade voucher rebooking "
         "connection layover boarding pass mobile website chat agent supervisor manager "
         "family kids wife husband friend colleague client meeting wedding funeral "
         "vacation holiday conference interview").split()


def text_for(rng, brand, recent):
    """A tweet text: one or two clauses and a few filler words, so that texts
    differ like real ones; about 3% are retweets of a recent tweet."""
    if recent and rng.random() < 0.03:
        return "RT @%s: %s" % (rng.choice(recent)[0], rng.choice(recent)[1])[:280]
    parts = []
    for _ in range(rng.randint(1, 2)):
        parts.append(rng.choice(BODIES).format(n="AA%d" % rng.randrange(100, 999),
                                               h=rng.randint(2, 9), city=rng.choice(CITIES)))
    filler = " ".join(rng.choice(EXTRA) for _ in range(rng.randint(2, 8)))
    tag = rng.choice(TAGS) if rng.random() < 0.4 else ""
    text = "@%s %s%s, %s %s" % (brand, rng.choice(OPENERS), ". ".join(parts), filler, tag)
    return text.replace("&", "&amp;").strip()


def tweet(rng, i, recent):
    brand = rng.choice(BRANDS)
    uid = str(10_000_000 + rng.randrange(400_000))
    tid = str(1_760_000_000_000_000_000 + i)
    text = text_for(rng, brand, recent)
    tag = ""
    if rng.random() < 0.01:
        recent[rng.randrange(len(recent))] = ("user_%s" % uid, text)
    ts = 1_709_600_000 + i * 3
    created = "2024-03-%02dT%02d:%02d:%02d.000Z" % (5 + ts // 86400 % 20, ts // 3600 % 24,
                                                    ts // 60 % 60, ts % 60)
    data = {
        "id": tid, "text": text, "author_id": uid, "created_at": created, "lang": "en",
        "conversation_id": tid, "edit_history_tweet_ids": [tid],
        "public_metrics": {"retweet_count": rng.randrange(5), "reply_count": rng.randrange(3),
                           "like_count": rng.randrange(40), "quote_count": 0,
                           "bookmark_count": 0, "impression_count": rng.randrange(5000)},
        "entities": {"mentions": [{"start": 0, "end": len(brand) + 1, "username": brand,
                                   "id": str(900 + BRANDS.index(brand))}]},
        "reply_settings": "everyone", "possibly_sensitive": False,
        "source": "Twitter for iPhone",
    }
    tags = [w for w in text.split() if w.startswith("#")]
    if tags:
        data["entities"]["hashtags"] = [{"start": text.find(t), "end": text.find(t) + len(t),
                                         "tag": t[1:]} for t in tags]
    user = {"id": uid, "name": "Customer %d" % int(uid[-5:]), "username": "user_%s" % uid,
            "created_at": "2015-06-01T10:00:00.000Z", "verified": False, "protected": False,
            "description": "Traveller, coffee drinker, opinions my own. Based in %s."
                           % rng.choice(CITIES),
            "location": rng.choice(CITIES),
            "public_metrics": {"followers_count": rng.randrange(3000),
                               "following_count": rng.randrange(800),
                               "tweet_count": rng.randrange(20000), "listed_count": 1}}
    return {"data": data, "includes": {"users": [user]}}


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: gen_twitter_v2.py COUNT [SEED]")
    count = int(sys.argv[1])
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 42)
    out = sys.stdout
    recent = [("user_seed", "Welcome aboard, see you on the next flight")] * 50
    for i in range(count):
        out.write(json.dumps(tweet(rng, i, recent), ensure_ascii=False, separators=(",", ":")))
        out.write("\n")


main()
