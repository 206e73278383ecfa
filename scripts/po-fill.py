#!/usr/bin/env python3
"""Fill empty translations of a .po file from a JSON {msgid: msgstr} file.

Usage: scripts/po-fill.py commown_infogerance/i18n/fr.po translations.json
Handles msgids wrapped on several lines; prints the msgids it did not find.
"""
import json
import re
import sys

ENTRY = re.compile(r'msgid ((?:"(?:[^"\\]|\\.)*"\n)+)msgstr ""\n(?!")')


def unquote(block):
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"', block)
    return "".join(parts).encode().decode("unicode_escape").encode("latin-1").decode()


def quote(text):
    return '"%s"' % text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def main(po_path, json_path):
    with open(json_path) as handle:
        translations = json.load(handle)
    with open(po_path) as handle:
        content = handle.read()
    found = set()

    def fill(match):
        source = unquote(match.group(1))
        if source in translations:
            found.add(source)
            return "msgid %smsgstr %s\n" % (match.group(1), quote(translations[source]))
        return match.group(0)

    content = ENTRY.sub(fill, content)
    with open(po_path, "w") as handle:
        handle.write(content)
    for source in sorted(set(translations) - found):
        print("not found (or already translated):", source)
    print("%s filled" % len(found))


if __name__ == "__main__":
    main(*sys.argv[1:3])
