/*
 * rules.c - the phrase rules of intent (U2), urgency and risk cues (U4) and
 * genuine-or-opportunistic flags (U5), as data. classify.c compiles this
 * table once and matches it; docs/rules.md explains each rule under the same
 * name, and a unit test checks that every name here appears there.
 *
 * The words are customer-care English as it is written on social media:
 * airline, retail and service complaints, their abbreviations ("pls", "hrs")
 * and their sarcasm ("thanks for nothing"). Weights say how strongly a
 * phrase points to an intent: 1 a hint ("delayed"), 2 a clear sign
 * ("worst"), 3 decisive ("thanks for nothing").
 */
#include "analyze/rules.h"

#define R(g, w, name, pat)                                                                         \
    {                                                                                              \
        ES__G_##g, w, name, pat                                                                    \
    }

/* The things a freebie-seeker asks for. */
#define FREE_THINGS                                                                                \
    "ticket|tickets|flight|flights|upgrade|upgrades|stuff|drinks|drink|miles|food|meal|"           \
    "meals|hotel|voucher|vouchers|trip|trips|pass|passes|wifi|gift|gifts|swag|points|"             \
    "product|products|sample|samples|coupon|coupons|giftcard|giftcards"

static const es__rule rules[] = {
    /* ---- complaint ---------------------------------------------------- */
    R(COMPLAINT, 2, "bad-adjective",
      "worst|terrible|horrible|awful|horrendous|atrocious|unacceptable|ridiculous|"
      "pathetic|disgusting|disgraceful|appalling|shameful|incompetent|useless|rude|"
      "unprofessional|inexcusable|abysmal|dreadful|lousy|subpar|#worst|#unacceptable"),
    R(COMPLAINT, 1, "negative-feeling",
      "disappointed|disappointing|disappointment|frustrated|frustrating|frustration|"
      "annoyed|annoying|angry|upset|furious|livid|mad|pissed|unhappy|dissatisfied|"
      "fuming|outraged|outrageous|irritated|infuriating|sad|miserable|#disappointed|"
      "#nothappy|#sad|#angry|#frustrated"),
    R(COMPLAINT, 2, "fail", "fail|fails|failed|failure|#fail|#epicfail|#customerservicefail"),
    R(COMPLAINT, 2, "sucks", "sucks|suck|sucked|wtf|smh|#sucks|#badservice|#neveragain"),
    R(COMPLAINT, 2, "joke", "joke|scam|#scam|#joke|#fedup|#badcustomerservice"),
    R(COMPLAINT, 1, "delay", "delayed|delay|delays|late|#delayed|#delay"),
    R(COMPLAINT, 1, "cancelled", "cancelled|canceled|cancellation|cancellations"),
    R(COMPLAINT, 1, "missed", "missed|missing|misconnect|misconnected"),
    R(COMPLAINT, 2, "lost-item", "lost|lose|losing|damaged|broken|ruined|stolen"),
    R(COMPLAINT, 2, "stranded", "stranded|stuck|overbooked|bumped|oversold"),
    R(COMPLAINT, 1, "problem", "problem|problems|issue|issues|error|errors|glitch|mess"),
    R(COMPLAINT, 2, "no-one-helps",
      "no one, nobody, noone, no response, no answer, no reply, no help, no info, "
      "no information, no explanation, no apology, no communication, no update|updates"),
    R(COMPLAINT, 1, "not-good",
      "not happy|good|ok|okay|impressed|acceptable|cool|fair|right|working, "
      "doesn't|didn't|does|did work, won't|wont let, can't|cannot even, "
      "never received|got|arrived|showed|answered|responded, "
      "can't|cant|couldn't|cannot get through"),
    R(COMPLAINT, 1, "poor-service",
      "poor|bad|worse|dirty|filthy|uncomfortable|cramped|overpriced|overcharged|charged, "
      "hidden fees, customer service fail"),
    R(COMPLAINT, 1, "hung-up", "hung|hang|hangs up, disconnected"),
    R(COMPLAINT, 1, "complain", "complaint|complaints|complain|complaining|refund|refunds"),
    R(COMPLAINT, 1, "exasperation",
      "ugh|seriously|unbelievable|smh, come on, "
      "get it|your|their act together, get it together"),
    R(COMPLAINT, 1, "profanity",
      "fuck|fucking|fucked|shit|shitty|crap|crappy|bs|#bs|damn|"
      "hell|bullshit|screwed|wtf"),
    R(COMPLAINT, 3, "sarcastic-thanks",
      "thanks|thank for nothing, thank you for nothing, thanks a lot for nothing, "
      "thanks for the delay|delays|cancellation, "
      "thanks for ruining|losing|cancelling|canceling|stranding|nothing, "
      "great|nice job losing, way to go, so much for"),

    /* ---- neutralisers: "no problem" is not a problem -------------------- */
    R(NEUTRAL, 0, "no-problem",
      "no|not|without|any problem|problems|issue|issues|delay|delays|complaints, "
      "not a problem, without a problem, without any problems|issues, "
      "not bad|late|delayed|disappointed, on time, never disappoints|disappoint, "
      "can't|cannot complain"),

    /* ---- praise -------------------------------------------------------- */
    R(PRAISE, 2, "thanks",
      "thank|thanks|thx|thnx|thanx|ty|tysm|thankyou|#thankyou|#thanks|appreciated, "
      "much appreciated, appreciate it|you|that|this"),
    R(PRAISE, 2, "love", "love|loved|loving|loves|<3|#love|#loveit|adore"),
    R(PRAISE, 2, "great",
      "great|awesome|amazing|excellent|fantastic|wonderful|outstanding|superb|brilliant|"
      "best|perfect|incredible|phenomenal|stellar|impressive|impressed|fabulous|terrific|"
      "exceptional|"
      "#awesome|#great|#bestairline|#best, top notch"),
    R(PRAISE, 1, "good",
      "good|nice|friendly|helpful|smooth|comfortable|pleasant|"
      "efficient|courteous|lovely|cool|sweet|glad|happy|enjoyed|yay|fun"),
    R(PRAISE, 2, "kudos",
      "kudos|props|shoutout|bravo|rockstar|rockstars, shout out, well done, "
      "hats off, keep it up, keep up the good work, you rock, you guys rock, "
      "above and beyond, made my day, 5|five stars, 10 / 10"),

    /* ---- request ------------------------------------------------------- */
    R(REQUEST, 2, "please", "please|pls|plz|kindly"),
    R(REQUEST, 2, "can-you",
      "can|could|would|will you|u, can|could|would someone|anyone, can|could i get, may i"),
    R(REQUEST, 2, "help-me",
      "help me|us, need help|assistance, need your help, assist me|us, any help, "
      "get back to me|us, call|email|dm|message|contact me|us, reach out"),
    R(REQUEST, 1, "i-need", "i|we need|want, i'd|we'd like, i|we would like, looking for"),
    R(REQUEST, 1, "change-booking",
      "change|upgrade|switch|refund|update|fix my, rebook|reschedule|resend, "
      "cancel my flight|reservation|booking, fix this|it, send me"),
    R(REQUEST, 1, "let-me-know", "let me|us know, follow up, advise"),

    /* ---- question ------------------------------------------------------ */
    R(QUESTION, 1, "question-phrase",
      "anyone know, does anyone, do you know, i wonder, wondering, any idea|ideas|news|update, "
      "is|are there, what time, how long|much|many, how do|can i, where is, where can i, "
      "when will|is, what is, what's"),

    /* ---- cue: repeated contact ---------------------------------------- */
    R(REPEAT, 0, "nth time", "<ord> time|times"),
    R(REPEAT, 0, "once again", "for the <ord>, once again, yet again, again and again"),
    R(REPEAT, 0, "contacted n times",
      "called|calling|call|emailed|email|tweeted|messaged|dm'd|dmed|contacted|asked|"
      "tried|complained|wrote|spoke <gap> <num> times"),
    R(REPEAT, 0, "n times",
      "<num> times|calls|emails, <num> phone calls, "
      "multiple|several|many|numerous|countless times, repeatedly, how many times, "
      "every single time"),
    R(REPEAT, 0, "contacted again",
      "called|calling|emailed|emailing|tweeting|tweeted|messaged|asking|asked|writing|"
      "complaining|contacting|trying|tried|happened|happening|delayed|cancelled|canceled|"
      "late|lost|broken|down again"),
    R(REPEAT, 0, "still waiting",
      "still waiting|no|not|nothing|haven't|hasn't|don't|dont|can't|cant|stuck|hoping, "
      "still have not, still on hold"),
    R(REPEAT, 0, "already contacted",
      "already called|emailed|contacted|tweeted|complained|asked|spoke|sent|messaged, "
      "keeps happening, following up, never heard back, haven't|havent heard back, "
      "have not heard back, no one|nobody got|has gotten back"),

    /* ---- cue: waiting time --------------------------------------------- */
    R(WAITING, 0, "on hold for <dur>", "on hold <gap> <dur>, hold time|times <gap> <dur>"),
    R(WAITING, 0, "waited <dur>",
      "waited|waiting|wait|waitin|sat|sitting|stuck|standing|stood|queued <gap> <dur>"),
    R(WAITING, 0, "delayed <dur>", "delayed|delay|late|grounded <gap> <dur>"),
    R(WAITING, 0, "<dur> delay",
      "<dur> delay|delayed|late|wait|waiting|layover|later, <dur> on hold, "
      "<dur> on the phone|tarmac|plane, <dur> in line"),
    R(WAITING, 0, "on hold", "on hold, hold music|times, been holding"),
    R(WAITING, 0, "took <dur>", "took|takes|taking|taken <dur>, for <dur> now"),
    R(WAITING, 0, "on the tarmac",
      "on|in the tarmac, sitting|sat|stuck on the plane, "
      "still at the gate"),
    R(WAITING, 0, "no response in <dur>", "no response|reply|answer|word <gap> <dur>"),

    /* ---- cue: safety and health ---------------------------------------- */
    R(SAFETY, 0, "food poisoning",
      "food poisoning, foodpoisoning|#foodpoisoning|salmonella|"
      "ecoli|listeria|norovirus, e coli"),
    R(SAFETY, 0, "allergic reaction",
      "allergic reaction, allergic|anaphylaxis|anaphylactic|"
      "epipen, epi pen, nut|peanut allergy"),
    R(SAFETY, 0, "injured",
      "injured|injury|injuries|bleeding|concussion, "
      "got|was|were hurt, hurt my, broke my arm|leg|wrist|ankle, fell|slipped on"),
    R(SAFETY, 0, "unsafe",
      "unsafe|dangerous|hazard|hazardous, not safe, caught fire, "
      "engine|cabin fire, fire alarm, smoke in the cabin|plane, smelled|smell smoke, "
      "safety issue|concern|hazard|risk, emergency landing, engine failure, near miss, "
      "drunk pilot"),
    R(SAFETY, 0, "medical",
      "hospital|hospitalized|hospitalised|ambulance|paramedics|"
      "seizure|fainted|vomiting|vomited|choking|choked, medical emergency, heart attack, "
      "passed out, threw|throwing up, got sick, made me|us sick"),
    R(SAFETY, 0, "harassment",
      "harassed|harassment|assaulted|assault|groped|"
      "discriminated|discrimination|racist, threatened me|us, racial profiling"),
    R(SAFETY, 0, "pests and mould",
      "bedbugs|cockroach|cockroaches|roaches|mold|mould, "
      "bed bugs, mouse droppings, hair|glass in my"),

    /* ---- cue: legal threats --------------------------------------------- */
    R(LEGAL, 0, "lawyer", "lawyer|lawyers|attorney|attorneys|solicitor, legal action|team|counsel"),
    R(LEGAL, 0, "sue",
      "suing|sued|lawsuit, sue you|u|them|united|the|for|over, "
      "will|gonna|i'll|should|could sue, going|want|plan|planning to sue, class action, "
      "take you to court, see you in court"),
    R(LEGAL, 0, "attorney general",
      "attorney general, small claims, bbb|#bbb|ftc|chargeback, "
      "better business bureau, consumer protection, dot complaint, "
      "department of transportation, report|reporting you to, file|filing a complaint with, "
      "dispute the charge"),

    /* ---- cue: churn ---------------------------------------------------- */
    R(CHURN, 0, "cancel my account",
      "cancel|cancelling|canceling|close|closing|terminate|terminating|end my "
      "account|subscription|membership|card|contract|plan, "
      "cancel|cancelling|canceling|close|closing my credit|miles card|account"),
    R(CHURN, 0, "switching to",
      "switching|switched|switch|moving|going to|with <handle>, "
      "switching|switched airlines|carriers|providers|banks, going elsewhere, "
      "take|taking my business elsewhere, find|finding|try|trying another|a airline|carrier, "
      "fly|book with someone else, from now on i'm|i|we fly|flying|use|using"),
    R(CHURN, 0, "never flying again",
      "never|won't|wont <gap> fly|flying|use|using|book|booking|shop|shopping|buy|choose|"
      "choosing|recommend|travel|stay|staying <gap> again"),
    R(CHURN, 0, "never again",
      "never again, #neveragain|#boycott|boycott|unsubscribe, "
      "last time i fly|flying, last time i'll|i'm, lost a customer, lost my business, "
      "you lost me, done with you, i'm|im done with, i am done with, "
      "no longer a customer"),

    /* ---- flag: spam and promotion --------------------------------------- */
    R(SPAM, 2, "follow for follow",
      "followback|#followback|#teamfollowback|f4f|#f4f|"
      "follow4follow|#follow4follow|#followme|#autofollow, follow for follow"),
    R(SPAM, 1, "follow back", "follow back, follow me back"),
    R(SPAM_EXCUSE, 0, "follow to dm", "dm|dms|pm|inbox|details, so i|we can"),
    R(SPAM, 2, "dm for",
      "dm|message|inbox|whatsapp <gap> for promo|promotion|promos|collab|"
      "collaboration|price|prices|pricing|details|rates|business|deals"),
    R(SPAM, 2, "click here",
      "click here|below, click the|this link, click link, "
      "tap the link, link in bio, link in my bio, check out my|our, check my profile, "
      "visit my|our website|site|page|store, subscribe to my, sign up now|today, register now"),
    R(SPAM, 2, "giveaway",
      "giveaway|#giveaway|#contest|#sweepstakes|#win|#free, "
      "enter to win, rt|retweet to win, chance to win, win a free|chance, win free, "
      "free followers, "
      "get|buy followers"),
    R(SPAM, 2, "promo code",
      "bitcoin|crypto|#ad|#sponsored|#promo, use code|promo, "
      "limited time offer, limited offer, buy|shop|order|act now, cheap flights, "
      "make|earn money, work from home"),

    /* ---- flag: freebie-seeking ----------------------------------------- */
    R(FREEBIE, 0, "free tickets?",
      "free " FREE_THINGS " <gap> <q>, free gift card|cards <gap> <q>"),
    R(FREEBIE, 0, "give me free stuff",
      "give|gimme|send|get|want|deserve|expect|about|any <gap> free " FREE_THINGS),
    R(FREEBIE, 0, "give me a voucher",
      "give|send|get me|us a|some|free voucher|vouchers|upgrade|coupon|coupons|giftcard|"
      "freebie|freebies|discount|credit|miles|points, "
      "give|send me|us voucher|vouchers|miles|points|upgrades|freebies|credit, "
      "give|send me|us a gift card"),
    R(FREEBIE, 0, "what do i get",
      "what do i|we get, what's|whats in it for me|us, "
      "what will i get, what can|will you give, what are you giving, "
      "what are you going to give, hook me|us up, freebie|freebies, for free <q>, "
      "comp me|us"),
    R(FREEBIE, 0, "deserve something free",
      "i|we deserve|want|expect a free, "
      "i|we deserve free|something, i|we deserve a|an upgrade|voucher|freebie"),
    R(FREEBIE_SOFT, 0, "compensate me",
      "compensate me|us, compensation|voucher|vouchers <q>, make it up to me|us, "
      "goodwill gesture, gesture of goodwill, i|we deserve compensation|credit"),
};

/* See rules.h: the static table, immutable. */
const es__rule *es__rules_table(size_t *n)
{
    *n = sizeof rules / sizeof rules[0];
    return rules;
}

/* See rules.h. */
const char *es__rule_name(const es__rule *r)
{
    return r->name ? r->name : r->pattern;
}
