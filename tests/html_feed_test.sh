#!/usr/bin/env bash
# Run by tests/with_pipeline.sh: an HTML page, an RSS feed of three items and
# a Chinese article, all written here, go through `precis push` and a live
# pipeline. Each of the four HTML results must be a summary of the article
# text only: no markup, no navigation, script or advertisement, entities
# decoded, the feed items known by their guids; the page's summary must equal
# the offline one. The Chinese article must be identified as "zh", summarized
# from ICU words (the lead, not the byline or the weather line) and give
# keywords that are words, not clauses.
set -euo pipefail
precis="$PRECIS_BIN/precis"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cat >"$work/ferry.html" <<'EOF'
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Harbour ferry returns after winter repairs</title>
<script>window.dataLayer = [{page: "div nav body"}]; function track() { return 1; }</script>
<style>body { margin: 0 } .ad { color: red }</style></head>
<body><nav class="site-menu"><ul><li><a href="/">Home</a></li><li><a href="/sport">Sport</a></li></ul></nav>
<article><h1>Harbour ferry returns after winter repairs</h1>
<p>The harbour ferry returned to service on Saturday after three months of repairs,
and the first crossing of the morning was full within minutes.</p>
<div class="ad">Sponsored content: cheap flights to anywhere, book today</div>
<p>Engineers replaced both engines and rebuilt the caf&eacute; on the upper deck,
which now sells coffee roasted by Mar&iacute;a Pe&ntilde;a in the old town.</p>
<p>&ldquo;It&#8217;s like a new boat,&rdquo; said the captain, who has run the
crossing for eleven years.<br>Passengers agreed.</p>
<p>The council said the ferry would run every twenty minutes on weekdays &amp; every
half hour at weekends until the end of the summer season.</p>
</article>
<footer>Copyright 2026 The Westmere Courier</footer></body></html>
EOF

cat >"$work/courier.rss" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>The Westmere Courier</title><link>https://courier.example/</link>
<item><title>Library opens on Sundays</title><link>https://courier.example/library</link>
<guid isPermaLink="false">courier-2026-0101</guid><pubDate>Mon, 30 Nov 2026 08:00:00 GMT</pubDate>
<description>Short teaser only.</description>
<content:encoded><![CDATA[<p>The city library will open on Sundays from January.</p>
<div class="share-buttons">Share this story</div>
<p>Volunteers will run the reading room, and the caf&eacute; stays closed.</p>]]></content:encoded></item>
<item><title>Marathon entries double</title><link>https://courier.example/marathon</link>
<guid>courier-2026-0102</guid><pubDate>Mon, 30 Nov 2026 09:00:00 GMT</pubDate>
<description>&lt;p&gt;Entries for the Northfield marathon doubled this year.&lt;/p&gt;&lt;p&gt;Organisers
added a second start wave to keep the course safe.&lt;/p&gt;</description></item>
<item><title>River clean-up finds &#8216;treasure&#8217;</title>
<guid>courier-2026-0103</guid>
<description><![CDATA[<p>Volunteers pulled a bicycle, two safes and a 1950s radio from the river.</p><p>The radio still works, said Jos&eacute; Pe&ntilde;a, who found it.</p>]]></description></item>
</channel></rss>
EOF

# Chinese: a byline and a weather line first, then the story.
cat >"$work/metro-zh.txt" <<'EOF'
北京地铁新线开通

本报记者 王芳
今天天气晴朗。
北京地铁十九号线今天上午正式开通运营，全长二十二公里，共设十座车站。
这条线路连接城市北部的居住区和南部的商务区，预计每天运送乘客三十万人次。
地铁公司负责人说，十九号线开通后，从北部到南部的通勤时间将缩短四十分钟。
不少市民一早就来到车站，体验新线路。
地铁公司表示，明年还将开通两条新的地铁线路。
EOF

"$precis" sub --output "$PRECIS_OUTPUT" --json --count 5 --timeout 20 >"$work/out.jsonl" &
sub_pid=$!
sleep 0.5 # the subscription must reach the publisher before the first result

# 20 sentences: every sentence of these short articles is in its summary.
# From $work: a file's id is its path as given (ferry.html).
(cd "$work" && "$precis" push --ingest "$PRECIS_INGEST" --sentences 20 ferry.html courier.rss) \
    >"$work/push.txt" || fail "precis push exited $? ($(cat "$work/push.txt"))"
[ "$(grep -c '^accepted' "$work/push.txt")" -eq 4 ] || fail "not 4 accepted: $(cat "$work/push.txt")"
(cd "$work" && "$precis" push --ingest "$PRECIS_INGEST" --sentences 2 metro-zh.txt) \
    >"$work/push-zh.txt" || fail "precis push metro-zh.txt exited $? ($(cat "$work/push-zh.txt"))"
wait "$sub_pid" || fail "precis sub exited $? before 5 results"

"$precis" summarize --sentences 20 "$work/ferry.html" >"$work/ferry.offline" \
    || fail "precis summarize ferry.html"

python3 - "$work/out.jsonl" "$work/ferry.offline" <<'PY' || fail "results do not match"
import json, re, sys
results = {}
for line in open(sys.argv[1]):
    result = json.loads(line)
    results[result["id"]] = result
zh = results.pop("metro-zh.txt", None)
assert zh is not None, sorted(results)
assert zh["lang"] == "zh", zh
assert len(zh["summary"]) == 2, zh["summary"]
assert not any("\u8bb0\u8005" in s or "\u5929\u6c14" in s for s in zh["summary"]), zh["summary"]
assert "\u5341\u4e5d\u53f7\u7ebf" in zh["summary"][0], zh["summary"]
assert "\u5730\u94c1" in zh["keywords"], zh["keywords"]
assert all(len(k) <= 4 for k in zh["keywords"]), zh["keywords"]
expected = {"ferry.html", "courier-2026-0101", "courier-2026-0102", "courier-2026-0103"}
assert set(results) == expected, sorted(results)
tag_words = re.compile(r"\b(div|nav|body|html|script|style|span|h1|href|li|ul|cdata)\b", re.I)
for id, result in results.items():
    assert result["type"] == "summary", result
    texts = result["summary"] + result.get("keywords", [])
    assert result["summary"], id
    for text in texts:
        assert "<" not in text and ">" not in text, (id, text)
        assert not tag_words.search(text), (id, text)
        assert not re.search(r"&(#\d+|#x[0-9a-f]+|[a-z]+);", text, re.I), (id, text)
    joined = " ".join(result["summary"])
    for boilerplate in ("Sponsored", "cheap flights", "Home", "Copyright", "Share this",
                        "dataLayer", "teaser"):
        assert boilerplate not in joined, (id, boilerplate, joined)

ferry = " ".join(results["ferry.html"]["summary"])
for decoded in ("caf\u00e9", "Mar\u00eda Pe\u00f1a", "\u201cIt\u2019s like a new boat,\u201d",
                "weekdays & every"):
    assert decoded in ferry, (decoded, ferry)
# <br> ends a line: "Passengers agreed." is a sentence of its own.
assert "Passengers agreed." in results["ferry.html"]["summary"], results["ferry.html"]["summary"]
offline = open(sys.argv[2]).read().splitlines()
assert offline == results["ferry.html"]["summary"], (offline, results["ferry.html"]["summary"])
assert "caf\u00e9 stays closed" in " ".join(results["courier-2026-0101"]["summary"])
assert "second start wave" in " ".join(results["courier-2026-0102"]["summary"])
assert "Jos\u00e9 Pe\u00f1a" in " ".join(results["courier-2026-0103"]["summary"])
print("ok: 5 results, Chinese as zh, markup and boilerplate gone, entities decoded")
PY
echo "ok: HTML page, RSS feed and Chinese article summarized through the pipeline"
