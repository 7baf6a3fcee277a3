#!/usr/bin/env python3
"""bench/stories.py PRECIS [--data PATH] [--runs N]

Measures near-duplicate detection (precis_stories, through the offline
command `precis summarize --jsonl`, which marks repeats as the sink does)
and prints tables:

1. BBC (bbc_news_summary.jsonl): the exact repeats found against those in
   the data (texts equal once white space is removed), and every near pair
   flagged among distinct texts with its word 5-shingle Jaccard computed
   here exactly: a pair of at least 0.3 shares whole passages (an updated or
   re-run story); one under 0.3 would be a wrong flag.
2. Syndication edits made here from the distinct BBC articles: a byline, a
   dateline, a new headline, one paragraph cut, one added (from an article
   of the other half; paragraphs are blocks between blank lines, a block of
   more than three sentences taken as paragraphs of three), paragraphs
   reordered, the last third cut, a new intro
   sentence, typography (curly quotes, dashes, ellipses), and all of a
   dateline, a cut last paragraph and typography at once. The originals
   come first in the stream, then every copy in a shuffled order; a copy is
   found when it is marked as a repeat of its original, of another copy of
   it, or of an article the original itself repeats (the BBC's own near
   pairs). Recall: copies found / copies; precision: copies found / copies
   marked. Both halves of the
   articles (even and odd positions) separately.
3. Throughput: the offline command's articles per CPU second on the BBC
   file with detection on (--stories) and off, the best of N runs each,
   and the index's memory per article (from --stats).

Not a test: it needs ../shared/data (never copied into the repository)."""
import argparse, json, os, random, re, resource, subprocess, sys, tempfile

parser = argparse.ArgumentParser()
parser.add_argument("precis")
parser.add_argument("--data", default=os.path.join(os.path.dirname(__file__),
                                                   "../../shared/data/bbc_news_summary.jsonl"))
parser.add_argument("--runs", type=int, default=5)
args = parser.parse_args()

WORD = re.compile(r"\w+", re.UNICODE)


def shingles(text, k=5):
    words = [w.lower() for w in WORD.findall(text)]
    if len(words) < k:
        return {tuple(words)}
    return {tuple(words[i:i + k]) for i in range(len(words) - k + 1)}


def jaccard(a, b):
    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / max(1, len(sa | sb))


def run_jsonl(records, extra=()):
    """Runs the offline command on records; returns (lines by id, stderr)."""
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as tmp:
        for record in records:
            tmp.write(json.dumps(record) + "\n")
        path = tmp.name
    try:
        done = subprocess.run([args.precis, "summarize", "--jsonl", "--stories", "--sentences",
                               "1", "--stats", *extra, path], capture_output=True, text=True)
    finally:
        os.unlink(path)
    if done.returncode != 0:
        sys.exit("stories: precis summarize failed: " + done.stderr[-2000:])
    out = {}
    for line in done.stdout.splitlines():
        result = json.loads(line)
        out[result["id"]] = result
    return out, done.stderr


articles = [json.loads(line) for line in open(args.data, encoding="utf-8") if line.strip()]
by_id = {a["id"]: a for a in articles}

# 1. BBC as it is.
first_of = {}
truth_exact = {}
for a in articles:
    key = re.sub(r"\s+", "", a["text"])
    if key in first_of:
        truth_exact[a["id"]] = first_of[key]
    else:
        first_of[key] = a["id"]
out, stderr = run_jsonl([{"id": a["id"], "title": a["title"], "text": a["text"]}
                         for a in articles])
found_exact = {i: r["duplicate_of"] for i, r in out.items() if r.get("exact")}
near = [(r["duplicate_of"], i, r["similarity"]) for i, r in out.items()
        if "duplicate_of" in r and not r.get("exact")]
near_rows = []
for earlier, later, estimate in near:
    near_rows.append((earlier, later, estimate, jaccard(by_id[earlier]["text"],
                                                        by_id[later]["text"])))
wrong = [row for row in near_rows if row[3] < 0.3]
distinct = len(articles) - len(truth_exact)
print("## BBC News (%d articles, %d distinct texts)\n" % (len(articles), distinct))
print("| figure | value |")
print("|---|---|")
print("| exact repeats in the data (white space aside) | %d |" % len(truth_exact))
print("| exact repeats found | %d (all of the data's: %s; each pointing to the first: %s) |" % (
    len(found_exact), "yes" if set(found_exact) == set(truth_exact) else "NO",
    "yes" if all(truth_exact.get(i) == j for i, j in found_exact.items()) else "NO"))
print("| near pairs flagged among distinct texts | %d |" % len(near_rows))
print("| of them sharing whole passages (exact 5-shingle Jaccard >= 0.3) | %d |" % (
    len(near_rows) - len(wrong)))
print("| wrongly flagged (Jaccard < 0.3) | %d (%.3f%% of distinct articles; target <= 0.1%%) |" % (
    len(wrong), 100.0 * len(wrong) / distinct))
print("\nExamples of near pairs (estimated / exact Jaccard, titles):\n")
for earlier, later, estimate, exact in sorted(near_rows, key=lambda row: row[3])[:8]:
    print("- %s -> %s: %.3f / %.3f, \"%s\" / \"%s\"" % (
        later, earlier, estimate, exact, by_id[later]["title"], by_id[earlier]["title"]))

# 2. Syndication edits.
NAMES = ["Anna Kowalski", "James Okafor", "Maria Lindqvist", "Tom Reyes", "Priya Nair",
         "Claire Dubois", "Sam Whitfield", "Lena Hoffmann"]
OUTLETS = ["The Evening Courier", "Northern Star", "Daily Ledger", "Harbour Times",
           "Valley Gazette"]
CITIES = ["LONDON", "MANCHESTER", "NEW YORK", "GLASGOW", "DUBLIN", "SYDNEY", "CARDIFF"]
INTROS = ["Here is what you need to know about a story that made headlines this week.",
          "Readers in the region have been following this closely.",
          "This report first appeared on our partner's website this morning.",
          "The news broke late on Tuesday and reactions are still coming in."]


def paragraphs(text):
    """Blocks between blank lines; a block of more than three sentences (some
    BBC texts are a lead line and one block) is taken as paragraphs of three
    sentences, as a news page would show it."""
    out = []
    for block in re.split(r"\n\s*\n", text):
        sentences = [x for x in re.split(r"(?<=[.!?])\s+(?=[A-Z\"'])", block.strip()) if x]
        for i in range(0, len(sentences), 3):
            out.append(" ".join(sentences[i:i + 3]))
    return [p for p in out if p.strip()]


def typography(text):
    text = re.sub(r'"([^"]*)"', "\u201c\\1\u201d", text)
    text = text.replace("'", "\u2019").replace(" - ", " \u2014 ").replace("...", "\u2026")
    return text.replace("--", "\u2013")


def cut_last_third(text):
    keep = text[: len(text) * 2 // 3]
    stop = max(keep.rfind(". "), keep.rfind(".\n"))
    return keep[: stop + 1] if stop > 0 else keep


def new_intro(text, rng):
    first = re.search(r"[.!?][\s\"']", text)
    rest = text[first.end():].lstrip() if first else text
    return rng.choice(INTROS) + " " + rest


def edit(kind, article, other, rng):
    text, title = article["text"], article["title"]
    paras = paragraphs(text)
    if kind == "byline":
        text = "By %s\n%s\n\n%s" % (rng.choice(NAMES), rng.choice(OUTLETS), text)
    elif kind == "dateline":
        text = "%s (%s) - %s" % (rng.choice(CITIES), rng.choice(OUTLETS), text)
    elif kind == "headline":
        title = "UPDATE: " + title.upper()
    elif kind == "paragraph_cut" and len(paras) > 1:
        del paras[rng.randrange(1, len(paras))]
        text = "\n\n".join(paras)
    elif kind == "paragraph_added":
        extra = rng.choice(paragraphs(other["text"]))
        paras.insert(rng.randrange(1, len(paras) + 1), extra)
        text = "\n\n".join(paras)
    elif kind == "reordered" and len(paras) > 2:
        body = paras[1:]
        while body == paras[1:]:
            rng.shuffle(body)
        text = "\n\n".join([paras[0]] + body)
    elif kind == "last_third_cut":
        text = cut_last_third(text)
    elif kind == "intro":
        text = new_intro(text, rng)
    elif kind == "typography":
        text = typography(text)
    elif kind == "wire":
        text = "%s (%s) - %s" % (rng.choice(CITIES), rng.choice(OUTLETS),
                                 typography("\n\n".join(paras[:-1]) if len(paras) > 2
                                            else text))
    return title, text


KINDS = ["byline", "dateline", "headline", "paragraph_cut", "paragraph_added", "reordered",
         "last_third_cut", "intro", "typography", "wire"]
unique = [a for a in articles if a["id"] not in truth_exact]
halves = [unique[0::2], unique[1::2]]
print("\n## Syndication edits (copies of distinct BBC articles)\n")
print("| edit | half | copies | found | marked | recall | precision | similarity (median) |")
print("|---|---|---|---|---|---|---|---|")
totals = {}
for half_number, half in enumerate(halves):
    rng = random.Random(1000 + half_number)
    others = halves[1 - half_number]
    records = [{"id": a["id"], "title": a["title"], "text": a["text"]} for a in half]
    copies = []
    for kind in KINDS:
        for a in half:
            title, text = edit(kind, a, rng.choice(others), rng)
            copies.append({"id": "%s~%s" % (kind, a["id"]), "title": title, "text": text,
                           "of": a["id"], "kind": kind})
    rng.shuffle(copies)
    out, _ = run_jsonl(records + [{k: c[k] for k in ("id", "title", "text")} for c in copies])
    false_originals = sum(1 for a in half if "duplicate_of" in out[a["id"]])
    # The groups of originals the data itself has (an original marked as a
    # repeat of another joins its group).
    group = {a["id"]: a["id"] for a in half}

    def root(name):
        while group[name] != name:
            name = group[name]
        return name

    for a in half:
        if "duplicate_of" in out[a["id"]]:
            group[root(a["id"])] = root(out[a["id"]]["duplicate_of"])
    source = {c["id"]: c["of"] for c in copies}
    for kind in KINDS:
        mine = [c for c in copies if c["kind"] == kind]
        marked = found = 0
        sims = []
        for c in mine:
            result = out[c["id"]]
            if "duplicate_of" not in result:
                continue
            marked += 1
            sims.append(result["similarity"])
            matched = result["duplicate_of"]
            if root(source.get(matched, matched)) == root(c["of"]):
                found += 1
        sims.sort()
        t = totals.setdefault(kind, [0, 0, 0])
        t[0] += len(mine)
        t[1] += found
        t[2] += marked
        print("| %s | %d | %d | %d | %d | %.1f%% | %.1f%% | %.2f |" % (
            kind, half_number + 1, len(mine), found, marked, 100.0 * found / len(mine),
            100.0 * found / marked if marked else 0, sims[len(sims) // 2] if sims else 0))
    print("| (originals marked as repeats of another) | %d | %d | | %d | | | |" % (
        half_number + 1, len(half), false_originals))
print("\n| edit | both halves: recall | precision |")
print("|---|---|---|")
for kind in KINDS:
    copies_n, found, marked = totals[kind]
    print("| %s | %.1f%% | %.1f%% |" % (kind, 100.0 * found / copies_n,
                                        100.0 * found / marked if marked else 0))

# 3. Throughput and memory.
def cpu_run(extra):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(os.devnull, "wb") as devnull:
        subprocess.run([args.precis, "summarize", "--jsonl", *extra, args.data],
                       stdout=devnull, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


on = min(cpu_run(["--stories"]) for _ in range(args.runs))
off = min(cpu_run([]) for _ in range(args.runs))
memory = re.search(r"index: (\d+) articles, (\d+) bytes \((\d+) an article\)", stderr)
print("\n## Throughput (offline command, %d BBC articles, best of %d runs)\n" % (
    len(articles), args.runs))
print("| detection | CPU s | articles per CPU s |")
print("|---|---|---|")
print("| off (the default) | %.3f | %.0f |" % (off, len(articles) / off))
print("| on | %.3f | %.0f (%+.1f%%) |" % (on, len(articles) / on, 100.0 * (off / on - 1)))
if memory:
    print("\nIndex memory: %s articles, %s bytes, %s bytes an article." % memory.groups())
