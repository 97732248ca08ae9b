#!/usr/bin/env python3
"""Fails on a broken relative link or anchor in README.md and docs/*.md.

Checks every inline Markdown link [text](target) outside code: a relative target must name an
existing file or folder of the repository, and a '#anchor' (alone, or after a .md target) must
match a heading of that page, slugged as GitHub does (lower case; punctuation but '-' and '_'
dropped; spaces to '-'; repeats numbered -1, -2, ...) or an explicit <a id="..."> / <a name="...">.
Web links (http:, https:, mailto:) are not fetched: no network here.

Usage: tests/docs/check_links.py [REPO_ROOT]   (default: two folders up from this file)
Stdlib only. Exit 1 with one line per broken link.
"""
import os
import re
import sys

LINK = re.compile(r"(?<!\!)\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)>?\s*\)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
HTML_ANCHOR = re.compile(r"<a\s+(?:id|name)=\"([^\"]+)\"", re.I)


def strip_code(text, inline=True):
    """Blanks fenced blocks (and inline code spans if `inline`), keeping line numbers."""
    out, fenced = [], False
    for line in text.split("\n"):
        if re.match(r"^\s*(```|~~~)", line):
            fenced = not fenced
            out.append("")
            continue
        out.append("" if fenced else re.sub(r"`[^`]*`", "", line) if inline else line)
    return out


def slug(heading):
    text = re.sub(r"<[^>]+>", "", heading)  # inline HTML
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links keep their text
    text = text.replace("`", "").strip().lower()
    text = re.sub(r"[^\w\- ]", "", text, flags=re.UNICODE)
    return text.replace(" ", "-")


def anchors(path, cache={}):
    if path not in cache:
        found, seen = set(), {}
        with open(path, encoding="utf-8") as f:
            raw = f.read()
        for line in strip_code(raw, inline=False):
            m = HEADING.match(line)
            if m:
                base = slug(m.group(2))
                n = seen.get(base, 0)
                seen[base] = n + 1
                found.add(base if n == 0 else f"{base}-{n}")
        found.update(HTML_ANCHOR.findall(raw))
        cache[path] = found
    return cache[path]


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                           os.path.join(os.path.dirname(__file__), "..", ".."))
    pages = [os.path.join(root, "README.md")]
    docs = os.path.join(root, "docs")
    for dirpath, _, files in os.walk(docs):
        pages += [os.path.join(dirpath, f) for f in sorted(files) if f.endswith(".md")]
    broken, checked = [], 0
    for page in pages:
        with open(page, encoding="utf-8") as f:
            lines = strip_code(f.read())
        for number, line in enumerate(lines, 1):
            for target in LINK.findall(line) + IMAGE.findall(line):
                if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):
                    continue  # http:, https:, mailto:
                checked += 1
                where = f"{os.path.relpath(page, root)}:{number}: {target}"
                path_part, _, anchor = target.partition("#")
                dest = page if not path_part else os.path.normpath(
                    os.path.join(os.path.dirname(page), path_part))
                if not dest.startswith(root):
                    broken.append(f"{where}: outside the repository")
                    continue
                if not os.path.exists(dest):
                    broken.append(f"{where}: no such file")
                    continue
                if anchor and dest.endswith(".md") and anchor not in anchors(dest):
                    broken.append(f"{where}: no heading #{anchor} in {os.path.relpath(dest, root)}")
    for b in broken:
        print(b)
    print(f"check_links: {checked} relative links in {len(pages)} pages, {len(broken)} broken",
          file=sys.stderr)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
