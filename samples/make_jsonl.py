#!/usr/bin/env python3
"""Builds samples/articles.jsonl from the samples/NN-slug.txt articles.

An article's id is its file name without .txt. Each file holds the title on its first line, a blank line, then the
paragraphs separated by blank lines. Run it again after editing an article:
    python3 samples/make_jsonl.py
"""
import json
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
SOURCE = "precis samples"
# Articles not in English, by number.
LANGUAGES = {"05": "de"}


def article(path):
    number = path.name.split("-", 1)[0]
    lines = path.read_text(encoding="utf-8").splitlines()
    if len(lines) < 3 or not lines[0].strip() or lines[1].strip():
        sys.exit(f"{path.name}: expected a title, a blank line, then the text")
    record = {
        "id": path.stem,
        "title": lines[0].strip(),
        "text": "\n".join(lines[2:]).strip(),
        "source": SOURCE,
    }
    if number in LANGUAGES:
        record["lang"] = LANGUAGES[number]
    return record


def main():
    paths = sorted(HERE.glob("[0-9][0-9]-*.txt"))
    if not paths:
        sys.exit("no samples/NN-slug.txt files found")
    with open(HERE / "articles.jsonl", "w", encoding="utf-8") as out:
        for path in paths:
            out.write(json.dumps(article(path), ensure_ascii=False) + "\n")
    print(f"wrote {len(paths)} articles to {HERE / 'articles.jsonl'}")


if __name__ == "__main__":
    main()
