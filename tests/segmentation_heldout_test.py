#!/usr/bin/env python3
"""segmentation_heldout_test.py - `precis split` on our held-out set.

Usage: segmentation_heldout_test.py BIN_DIR [DATA_FILE]

Splits every case of tests/data/segmentation/heldout.jsonl (322 short
news-like texts in 46 languages, written for this test; the first
296 before the splitter's rules were looked at)
with `precis split --jsonl`, once with each case's "lang" and once without
it, and fails when fewer cases than MIN_RIGHT come out exactly right (the
expected sentences, stripped, equal the spans, in order). MIN_RIGHT is the
count the splitter reached when the set was added; the cases it still gets
wrong are printed, so that a regression names the shape it broke.
Python 3 standard library only; needs nothing outside the repository.
"""

import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data", "segmentation", "heldout.jsonl")
MIN_RIGHT = {"with lang": 314, "without lang": 314}


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__.split("\n\n")[1])
    precis = os.path.join(sys.argv[1], "precis")
    data = sys.argv[2] if len(sys.argv) > 2 else DATA
    with open(data, encoding="utf-8") as f:
        cases = [json.loads(line) for line in f if line.strip()]
    failed = False
    for label, with_lang in (("with lang", True), ("without lang", False)):
        lines = []
        for case in cases:
            item = {"text": case["text"]}
            if with_lang:
                item["lang"] = case["lang"]
            lines.append(json.dumps(item, ensure_ascii=False))
        out = subprocess.run([precis, "split", "--jsonl"], input="\n".join(lines) + "\n",
                             capture_output=True, text=True, encoding="utf-8", check=True)
        results = [json.loads(line)["sentences"] for line in out.stdout.splitlines()]
        if len(results) != len(cases):
            print("%s: %d results for %d cases" % (label, len(results), len(cases)))
            return 1
        right = 0
        for case, got in zip(cases, results):
            if [s.strip() for s in got] == [s.strip() for s in case["sentences"]]:
                right += 1
            else:
                print("%s, %s: expected %s\n  got %s" % (
                    label, case["lang"], json.dumps(case["sentences"], ensure_ascii=False),
                    json.dumps(got, ensure_ascii=False)))
        print("%s: %d/%d right (at least %d required)" % (
            label, right, len(cases), MIN_RIGHT[label]))
        failed |= right < MIN_RIGHT[label]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
