#!/usr/bin/env python3
"""make_corpus.py: seed corpora for the libFuzzer targets, from real bytes.

Sources, in order of worth:
  - real device captures: ../shared/fixtures/alertstream/*.txt (JSON lines,
    one {"content": part} each), a fixed sample of the distinct parts;
  - the hand-written payloads in tests/data/events/;
  - the payloads written into the unit tests (C string literals, adjacent
    literals joined, one-argument string macros expanded);
  - multipart bodies assembled from the above the way cameras send them
    (alert part plus JPEG parts, CRLF or LF, with and without
    Content-Length and closing "--");
  - the hand-picked seeds in tests/fuzz/seeds/<target>/.

Each seed is written as OUT/<target>/<sha1 of its bytes>, so running twice
changes nothing. Everything goes under OUT (a build directory); the source
tree is only read. Python standard library only.

usage: make_corpus.py OUT_DIR [--sample N] [--fixtures DIR]
"""
import argparse
import hashlib
import json
import os
import random
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TARGETS = ("fuzz_event_xml", "fuzz_event_json", "fuzz_multipart", "fuzz_event_body",
           "fuzz_alert_stream", "fuzz_sadp", "fuzz_digest")

# Selector bytes of fuzz_event_body.c's content_types[] table.
CT_NONE, CT_XML, CT_JSON, CT_PLAIN = 0, 1, 3, 4
CT_MP_MIME, CT_MP_NO_BOUNDARY, CT_XML_UPPER = 5, 7, 11

MAX_SEED = 64 * 1024  # libFuzzer's default -max_len stays far above real parts
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


class Corpus:
    def __init__(self, out):
        self.out = out
        self.count = {t: 0 for t in TARGETS}
        for t in TARGETS:
            os.makedirs(os.path.join(out, t), exist_ok=True)

    def add(self, target, data):
        if not data or len(data) > MAX_SEED:
            return
        name = hashlib.sha1(data).hexdigest()
        path = os.path.join(self.out, target, name)
        if not os.path.exists(path):
            with open(path, "wb") as f:
                f.write(data)
            self.count[target] += 1


def kind_of(doc):
    s = doc.lstrip(b"\xef\xbb\xbf \t\r\n")
    if s.startswith(b"<"):
        return "xml"
    if s.startswith((b"{", b"[")):
        return "json"
    return None


# --- real captures --------------------------------------------------------

def fixture_parts(fixtures, sample):
    parts = set()
    folder = os.path.join(fixtures, "alertstream")
    if not os.path.isdir(folder):
        return []
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".txt"):
            continue
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                try:
                    content = json.loads(line).get("content")
                except (ValueError, AttributeError):
                    continue
                if isinstance(content, str):
                    parts.add(content.encode("utf-8"))
    ordered = sorted(parts)
    # Keep one of each event type first, then a fixed random sample.
    by_type = {}
    for p in ordered:
        m = re.search(rb"<eventType>([^<]*)</eventType>", p)
        by_type.setdefault(m.group(1) if m else b"", p)
    chosen = list(by_type.values())
    rest = [p for p in ordered if p not in set(chosen)]
    random.Random(20240601).shuffle(rest)
    return chosen + rest[: max(0, sample - len(chosen))]


# --- payloads written in the unit tests -----------------------------------

TOKEN = re.compile(
    r'(?P<comment>//[^\n]*|/\*.*?\*/)'
    r'|(?P<str>"(?:[^"\\\n]|\\.)*")'
    r"|(?P<chr>'(?:[^'\\\n]|\\.)*')"
    r'|(?P<ident>[A-Za-z_]\w*)'
    r'|(?P<ws>\s+)'
    r'|(?P<other>.)',
    re.S,
)
ESCAPES = {"n": 10, "r": 13, "t": 9, "0": 0, "\\": 92, '"': 34, "'": 39, "a": 7, "b": 8,
           "f": 12, "v": 11, "?": 63}


def c_unescape(body):
    out = bytearray()
    i = 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out += c.encode("utf-8")
            i += 1
            continue
        e = body[i + 1]
        if e == "x":  # C takes every hex digit that follows
            j = i + 2
            while j < len(body) and body[j] in "0123456789abcdefABCDEF":
                j += 1
            out.append(int(body[i + 2:j] or "0", 16) & 0xFF)
            i = j
        elif e in "01234567":
            j = i + 1
            while j < len(body) and j < i + 4 and body[j] in "01234567":
                j += 1
            out.append(int(body[i + 1:j], 8) & 0xFF)
            i = j
        else:
            out.append(ESCAPES.get(e, ord(e)))
            i += 2
    return bytes(out)


def tokens(src):
    for m in TOKEN.finditer(src):
        kind = m.lastgroup
        if kind in ("comment", "ws"):
            continue
        yield kind, m.group()


def string_macros(src):
    """#define NAME(arg) made of string literals and arg only."""
    macros = {}
    for m in re.finditer(r"^#define\s+(\w+)\((\w+)\)\s+(.*)$", src, re.M):
        name, arg, body = m.groups()
        parts = []
        for kind, text in tokens(body):
            if kind == "str":
                parts.append(c_unescape(text[1:-1]))
            elif kind == "ident" and text == arg:
                parts.append(None)
            else:
                parts = None
                break
        if parts:
            macros[name] = parts
    return macros


def literals(path):
    """Every run of adjacent string literals (and string macro calls)."""
    with open(path, encoding="utf-8") as f:
        src = f.read().replace("\\\n", "")
    macros = string_macros(src)
    src = re.sub(r"^#.*$", "", src, flags=re.M)
    toks = list(tokens(src))
    found, cur, i = [], None, 0
    while i < len(toks):
        kind, text = toks[i]
        piece = None
        if kind == "str":
            piece = c_unescape(text[1:-1])
            i += 1
        elif (kind == "ident" and text in macros and i + 3 < len(toks)
              and toks[i + 1][1] == "(" and toks[i + 2][0] == "str" and toks[i + 3][1] == ")"):
            arg = c_unescape(toks[i + 2][1][1:-1])
            piece = b"".join(arg if p is None else p for p in macros[text])
            i += 4
        else:
            i += 1
        if piece is None:
            if cur is not None:
                found.append(cur)
            cur = None
        else:
            cur = piece if cur is None else cur + piece
    if cur is not None:
        found.append(cur)
    return found


# --- multipart bodies as cameras send them ---------------------------------

def part(boundary, headers, data, eol):
    head = eol.join([b"--" + boundary] + headers) + eol + eol
    return head + data + eol


def multipart(doc, kind, variant):
    boundary = [b"MIME_boundary", b"boundary", b"-----7e13971310878"][variant % 3]
    eol = b"\r\n" if variant % 2 == 0 else b"\n"
    name = b"MoveDetection.xml" if kind == "xml" else b"faceCapture.json"
    ctype = b"application/xml" if kind == "xml" else b"application/json"
    alert_headers = [b'Content-Disposition: form-data; name="' + name + b'"; filename="'
                     + name + b'"', b"Content-Type: " + ctype]
    if variant % 4 < 2:
        alert_headers.append(b"Content-Length: %d" % len(doc))
    body = part(boundary, alert_headers, doc, eol)
    pics = 1 + variant % 3
    for i in range(pics):
        headers = [b'Content-Disposition: form-data; name="pic%d"; filename="pic%d.jpg"' % (i, i),
                   b"Content-Type: image/jpeg", b"Content-ID: <image_%d>" % i,
                   b"Content-Length: %d" % len(JPEG)]
        body += part(boundary, headers, JPEG, eol)
    if variant % 5 != 4:  # some devices never write the closing "--"
        body += b"--" + boundary + b"--" + eol
    return boundary, body


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--sample", type=int, default=200, help="real alertStream parts to keep")
    ap.add_argument("--fixtures", default=os.path.join(ROOT, "..", "shared", "fixtures"))
    args = ap.parse_args()
    out = os.path.abspath(args.out)
    rel = os.path.relpath(out, ROOT)
    if not rel.startswith("..") and not rel.startswith("build"):
        sys.exit("make_corpus.py: write into a build directory, not the source tree")
    c = Corpus(out)

    docs = fixture_parts(args.fixtures, args.sample)
    events = os.path.join(ROOT, "tests", "data", "events")
    for name in sorted(os.listdir(events)) if os.path.isdir(events) else []:
        with open(os.path.join(events, name), "rb") as f:
            docs.append(f.read())
    unit = os.path.join(ROOT, "tests", "unit", "lib")
    mp_literals = []
    for name in sorted(os.listdir(unit)) if os.path.isdir(unit) else []:
        if name.startswith(("test_event_parse", "test_multipart")) and name.endswith(".c"):
            for lit in literals(os.path.join(unit, name)):
                if kind_of(lit):
                    docs.append(lit)
                elif re.search(rb"(^|\n)--\S", lit):
                    mp_literals.append(lit)

    for i, doc in enumerate(docs):
        kind = kind_of(doc)
        if not kind:
            continue
        c.add("fuzz_event_" + kind, doc)
        label = (CT_XML if i % 3 else CT_XML_UPPER) if kind == "xml" else CT_JSON
        c.add("fuzz_event_body", bytes([label]) + doc)
        if i % 4 == 0:  # mislabeled or unlabeled: sniffed
            c.add("fuzz_event_body", bytes([CT_PLAIN if i % 8 else CT_NONE]) + doc)
        if i % 3 == 0 or kind == "json" or i >= len(docs) - 40:
            boundary, body = multipart(doc, kind, i)
            header = b"multipart/form-data; boundary=" + boundary
            if i % 6 == 3:
                header = b'Multipart/Form-Data; charset=UTF-8; BOUNDARY="' + boundary + b'"'
            c.add("fuzz_multipart", header + b"\n" + body)
            if boundary == b"MIME_boundary":
                c.add("fuzz_event_body", bytes([CT_MP_MIME]) + body)
            c.add("fuzz_event_body", bytes([CT_MP_NO_BOUNDARY]) + body)
    # alertStream bodies: runs of real parts as a camera streams them, with
    # and without Content-Length, read in different sizes (the first byte).
    xml_docs = [d for d in docs if kind_of(d) == "xml"]
    for i in range(0, min(len(xml_docs), 120), 6):
        run = xml_docs[i:i + 6]
        body = b""
        for k, doc in enumerate(run):
            body += b"--boundary\r\nContent-Type: application/xml; charset=\"UTF-8\"\r\n"
            if (i + k) % 2 == 0:
                body += b"Content-Length: %d\r\n" % len(doc)
            body += b"\r\n" + doc + b"\r\n"
        header = b"multipart/mixed; boundary=" + (b"boundary" if i % 12 else b"other")
        c.add("fuzz_alert_stream", bytes([i & 0xff]) + header + b"\n" + body)
    for lit in mp_literals:
        m = re.search(rb"(?:^|\n)--([^\r\n]+?)(?:--)?\r?\n", lit)
        if m:
            c.add("fuzz_multipart", b"multipart/form-data; boundary=" + m.group(1) + b"\n" + lit)
            c.add("fuzz_event_body", bytes([CT_MP_NO_BOUNDARY]) + lit)

    seeds = os.path.join(ROOT, "tests", "fuzz", "seeds")
    for t in TARGETS:
        d = os.path.join(seeds, t)
        for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            with open(os.path.join(d, name), "rb") as f:
                c.add(t, f.read())
    for t in TARGETS:
        print("%-16s %4d new seeds in %s" % (t, c.count[t], os.path.join(out, t)))


if __name__ == "__main__":
    main()
