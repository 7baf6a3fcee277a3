#!/usr/bin/python3
"""Writes the seed corpora of the fuzz targets into fuzz/corpus/<target>/.

Every seed is written here by hand (nothing is copied from elsewhere):
msgpack frames for the decoders (packed with the Debian python3-msgpack),
texts for the normalizer and the splitter, and option bytes plus a text for
the summarizer (layout in fuzz_summarizer.c). Run it again after editing;
it replaces the corpus folders it owns.

    /usr/bin/python3 fuzz/make_seeds.py
"""
import os
import shutil
import struct

import msgpack

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")

ARTICLE_TEXT = (
    "The harbour council of Port Ellis voted on Tuesday to rebuild the old "
    "sea wall. Mr. Aldous Kerr, the council's engineer, said work would start "
    "in Jan. 2025 and cost $4.5 million. \"It has to be done,\" he said.\n\n"
    "Residents of St. Brigid's Row, who were flooded twice last year, welcomed "
    "the vote. The U.S. firm that built the wall in 1962 no longer exists.")

CHINESE_TEXT = (
    "记者 李青\n港口新码头今天启用。新码头可以同时停靠四艘大型货船，"
    "每年吞吐量达到五百万吨！港口公司说 iPhone 15在这里装船的时间缩短了一半。"
    "东京の港でも新しい埠頭が完成した。ท่าเรือใหม่เปิดแล้ว")

GERMAN_TEXT = (
    "Die Gemeinde hat am Dienstag beschlossen, die alte Ufermauer zu erneuern. "
    "Die Arbeiten sollen im Frühjahr beginnen. Laut Bürgermeisterin Jana Öztürk "
    "kostet das Projekt rund 4,5 Mio. Euro.")

TRICKY_UTF8 = (
    "Cafe\u0301 \u201cquoted\u201d \u2014 dash\u2026 \u00e9t\u00e9 "
    "\u1112\u1161\u11ab \u212b \u0915\u093c zero\u200bwidth soft\u00adhyphen "
    "\ufeffBOM\u2028line\u2029para \u3002\u5317\u4eac\u3002 \U0001F600.")


def pack(obj):
    return msgpack.packb(obj, use_bin_type=True)


def article_seeds():
    internal = {
        "type": "article", "v": 1, "id": "0" * 32, "key": "a1b2c3d4-17",
        "title": "Sea wall to be rebuilt", "text": ARTICLE_TEXT,
        "url": "https://example.invalid/news/sea-wall", "source": "Port Ellis Post",
        "lang": "en", "published": "2024-03-05T09:14:00Z",
        "received_us": 1709630040000000, "normalize_us": 812, "attempt": 2,
        "normalized": True, "sentences": 2,
    }
    seeds = {
        "minimal": pack({"text": "One sentence."}),
        "request": pack({"id": "req-1", "title": "Sea wall", "text": ARTICLE_TEXT,
                         "lang": "en", "words": 40}),
        "internal": pack(internal),
        "ratio_float32": b"\x82\xa4text\xa9Two. Ones\xa5ratio\xca" + struct.pack(">f", 0.25),
        "ratio_int": pack({"text": "A. B. C.", "ratio": 1}),
        "nil_fields": pack({"text": "Body.", "title": None, "url": None, "id": None}),
        "german": pack({"id": "de-1", "text": GERMAN_TEXT, "lang": "de", "sentences": 1}),
        "tricky_utf8": pack({"id": "u-1", "title": TRICKY_UTF8, "text": TRICKY_UTF8}),
        "invalid_utf8": pack({"id": "bad", "title": b"\xff\xfe".decode("latin-1"),
                              "text": b"ok \xc3\x28 \xed\xa0\x80".decode("latin-1")}),
        "raw_invalid_utf8": b"\x82\xa2id\xa3b\xff\xd9\xa4text\xa5\xc0\xaf\xe0\x80\x80",
        "wrong_type": pack({"type": "ping", "text": "x"}),
        "bad_version": pack({"v": 2, "text": "x"}),
        "blank_text": pack({"text": " \t\n "}),
        "binary_text": pack({"text": b"bytes, not a string"}),
        "int_keys": pack({1: "one", "text": "x"}),
        "duplicate_keys": b"\x83\xa4text\xa2a.\xa4text\xa2b.\xa2id\xa1z",
        "big_ints": pack({"text": "x", "received_us": 2**63 - 1, "attempt": 2**32 - 1,
                          "words": 100000, "sentences": 1000}),
        "negative": pack({"text": "x", "received_us": -1}),
        "not_a_map": pack(["text", "x"]),
        "truncated": pack({"text": ARTICLE_TEXT})[:40],
        "trailing": pack({"text": "x"}) + b"\x00",
        "format_html": pack({"id": "h-1", "text": "<p>Caf&eacute; opens.</p>",
                             "format": "html"}),
        "format_text": pack({"text": "3 < 5 and 7 > 2.", "format": "text"}),
        "format_unknown": pack({"id": "h-2", "text": "x", "format": "markdown"}),
        "format_nil": pack({"text": "x", "format": None}),
    }
    return seeds


def result_seeds():
    timings = {"received_us": 1, "normalize_us": 2, "summarize_us": 3, "published_us": 4}
    summary = {
        "v": 1, "type": "summary", "id": "0" * 32, "key": "n-1", "seq": 7,
        "title": "Sea wall", "url": "", "source": "", "published": "",
        "lang": "en", "summary": ["First sentence.", "Third one."],
        "sentences": [{"index": 0, "score": 0.5}, {"index": 2, "score": 0.25}],
        "sentence_count": 5, "keywords": ["wall", "council"], "timings": timings,
    }
    error = {
        "v": 1, "type": "error", "id": "e-1", "key": "n-2", "seq": 8, "title": "",
        "url": "", "source": "", "published": "", "stage": "summarize",
        "reason": "too_long", "error": "too many sentences", "timings": timings,
    }
    odd = dict(summary)
    odd.update({"summary": ["a", 3, None, "b\u00e9"], "sentences": [{"score": 1}, 5],
                "keywords": [None, "k"], "seq": -1, "sentence_count": 2**40,
                "lang": None})
    return {
        "summary": pack(summary),
        "error": pack(error),
        "odd_fields": pack(odd),
        "float32_score": msgpack.packb({"type": "summary", "id": "f", "summary": ["s"],
                                        "sentences": [{"index": 1, "score": 0.75}]},
                                       use_single_float=True),
        "nan_score": pack({"type": "summary", "id": "n", "summary": ["s"],
                           "sentences": [{"index": 0, "score": float("nan")}]}),
        "invalid_utf8": b"\x83\xa4type\xa5error\xa2id\xa2\xff\xfe\xa6reason\xa3\xc3\x28x",
        "no_id": pack({"type": "summary"}),
        "nul_in_id": pack({"type": "error", "id": "a\u0000b", "reason": "x\u0000y"}),
        "not_result": pack({"type": "article", "id": "x"}),
    }


def text_seeds():
    return {
        "plain": ARTICLE_TEXT,
        "german": GERMAN_TEXT,
        "tricky_utf8": TRICKY_UTF8,
        "entities": "Tom &amp; Jerry &lt;b&gt; &#8217;quoted&#8217; &#x1F600; &#146; "
                    "&#0; &#xD800; &amp;lt; &nbsp;&hellip; &unknown; & alone &#;",
        "controls": "a\x01b\x7fc\x1bd\x00e\r\nf\rg\x0bh\x0ci\t\tj\u0085k",
        "paragraphs": "  one  \n   two   \n\n\n\nthree \n \t\n four\r\n\r\nfive  ",
        "abbreviations": "Dr. Smith met Mr. Jones at 5 p.m. in Washington, D.C. on "
                         "Jan. 3. The U.S. Senate agreed. Prices rose 3.5 per cent. "
                         "No. 10 said so, i.e. nothing. J. R. R. Tolkien wrote it.",
        "quotes": "\"Stop,\" he said. \"Why?\" she asked. 'Fine.' (It was.) "
                  "\u201cReally?\u201d \u00abOui.\u00bb He left...Then she did\u2026 And I... "
                  "went.",
        "lists": "Ingredients:\n1. Flour.\n2. Water.\na) salt\nb) yeast\n\u2022 one\n"
                 "\u2022 two\n- three\n(i) four",
        "urls": "Write to news@example.invalid. See https://example.invalid/a.b?c=d. "
                "Version 2.0.1 is out. The file is report.pdf.Next sentence.",
        "cjk": "\u5317\u4eac\u4eca\u5929\u4e0b\u96e8\u3002\u660e\u5929\u4e5f\u4f1a\uff01"
               "\u771f\u7684\u5417\uff1f\u597d\u3002",
        "glued": "the community.Dr Venter said so.\"Next,\" she said.(Aside.) Done!?",
        "hard_wrapped": "This line is hard\nwrapped in the middle\nof a sentence. And "
                        "this\nOne starts a new line.",
        "spaces": "a\u00a0b\u2003c\u200bd\u3000e\u2028f\u2029g\ufeffh",
    }


def raw_text_seeds():
    return {
        "invalid_bytes": b"ok \xff \xc3\x28 \xe0\x80\x80 \xed\xa0\x80 \xf4\x90\x80\x80 "
                         b"\xc0\xaf trunc \xe2\x82",
        "nfc_mix": "e\u0301 a\u0301\u0323 \u00fc\u0304 \u1100\u1161\u11a8 "
                   "\ud55c\u11ab e \u0301 e\u200b\u0301".encode(),
        "hangul_11a7": "\ud558\u11a7".encode(),
        "long_words": ("word " * 300 + ". ").encode() * 2,
    }


def summarizer_seed(selector, flags, text, lang=b"", title=None):
    out = bytes([selector, flags])
    if flags & 7 == 7:
        out += bytes([len(lang)]) + lang
    if flags & 8:
        out += bytes([len(title)]) + title
    return out + text.encode()


def summarizer_seeds():
    long_text = " ".join(
        f"Sentence number {i} talks about the harbour wall and the council vote."
        for i in range(60))
    return {
        "default": summarizer_seed(0, 0, ARTICLE_TEXT),
        "sentences_title": summarizer_seed(1 | 2 << 3, 2 | 8, ARTICLE_TEXT,
                                           title=b"Sea wall to be rebuilt"),
        "ratio_de": summarizer_seed(2 | 1 << 3, 3, GERMAN_TEXT),
        "words_1": summarizer_seed(3, 0, ARTICLE_TEXT),
        "words_20_normalize": summarizer_seed(3 | 2 << 3, 16, ARTICLE_TEXT),
        "max_sentences": summarizer_seed(0 | 2 << 5, 0, ARTICLE_TEXT),
        "custom_lang": summarizer_seed(7, 7, GERMAN_TEXT, lang="\u00e9\u00e9\u00e9\u00e9x".encode()),
        "lang_region": summarizer_seed(4, 6, ARTICLE_TEXT),
        "long": summarizer_seed(5 | 3 << 3, 1, long_text),
        "tricky": summarizer_seed(6, 16, TRICKY_UTF8),
        "lists": summarizer_seed(1, 0, text_seeds()["lists"]),
        "blank": summarizer_seed(0, 0, " \n\t "),
        # Words of scripts without spaces (ICU's dictionary word break).
        "words_5_chinese": summarizer_seed(3 | 1 << 3, 0, CHINESE_TEXT),
        "words_1_mixed": summarizer_seed(3, 8, CHINESE_TEXT, title="新港口 opens".encode()),
        # Sequence mode (flags bit 6): NUL-separated records of a language
        # (length byte, bytes) and a text, through one summarizer.
        "sequence": bytes([1, 0x40]) + b"\x00".join(
            bytes([len(code)]) + code + text.encode() for code, text in
            [(b"en", ARTICLE_TEXT), (b"de", GERMAN_TEXT), (b"", TRICKY_UTF8),
             (b"fr", "Le conseil a vot\u00e9 mardi. Les travaux commencent en mai.")]),
    }


def html_seeds():
    return {
        "page": "<!DOCTYPE html><html><head><title>T</title><meta property=\"og:title\" "
                "content=\"O\"><script>x()</script></head><body><nav>N</nav><article><h1>H</h1>"
                "<p>Caf&eacute; &#8217; &#x2019; &amp;</p><div class=\"ad\">Ad</div><pre>a\n b"
                "</pre><ul><li>1<li>2</ul><table><tr><td>a<td>b</table></article><footer>F"
                "</footer></body></html>",
        "broken": "<div><p>Unclosed <b>bold <i>mixed</b> text</i><p>Next</span></div></div>"
                  "<li>item<",
        "text": "3 < 5 and a<b and b>c &eacute",
        "deep": "<div>" * 300 + "x",
        "empty_title": "<title>  </title><h1>\n</h1><p>x</p>",
    }


def feed_seeds():
    return {
        "rss": "<?xml version=\"1.0\"?><rss version=\"2.0\" xmlns:content=\"http://purl.org/"
               "rss/1.0/modules/content/\"><channel><title>C</title><item><title>T</title>"
               "<link>https://e.org/1</link><guid>g1</guid><pubDate>Mon, 30 Nov 2026 08:00:00"
               " GMT</pubDate><description>D</description><content:encoded><![CDATA[<p>X</p>]]>"
               "</content:encoded></item><item><guid> </guid></item></channel></rss>",
        "atom": "<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><id>e1</id><title>T"
                "</title><link rel=\"self\" href=\"s\"/><link href=\"a\"/><published>2026</published>"
                "<content type=\"xhtml\"><div><p>X</p></div></content></entry><entry><id>e2"
                "</id><summary type=\"text\">S</summary></entry></feed>",
        "rdf": "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"><item>"
               "<title>T</title><link>l</link><description>D</description></item></rdf:RDF>",
        "entities": "<!DOCTYPE rss [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]><rss>"
                    "<channel><item><description>&b; &amp; &#233;</description></item>"
                    "</channel></rss>",
        "broken": "<rss><channel><item><title>Open",
        "not_feed": "<html><body>x</body></html>",
    }


def write(target, seeds):
    folder = os.path.join(CORPUS, target)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    for name, data in sorted(seeds.items()):
        if isinstance(data, str):
            data = data.encode()
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)


def main():
    texts = text_seeds()
    texts.update(raw_text_seeds())
    write("article", article_seeds())
    write("result", result_seeds())
    write("normalizer", texts)
    write("splitter", texts)
    write("summarizer", summarizer_seeds())
    write("html", html_seeds())
    write("feed", feed_seeds())


if __name__ == "__main__":
    main()
