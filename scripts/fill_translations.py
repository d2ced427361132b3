#!/usr/bin/env python3
"""Fill the English catalog from a reviewed glossary, and report what is still untranslated.

The glossary, `moderator/translations/en_glossary.json`, maps each Vietnamese msgid to its English text. It is the
file people edit; messages.po is regenerated from the sources by `scripts/translations.sh` and filled from it here.

    {
      "Vào hội nghị": "Join",
      "Có %(count)s phiếu": ["%(count)s ticket", "%(count)s tickets"],   # plural entry: one string per form
      "screen\\u0004Tiếp theo": "Next"                                     # msgctxt "screen" (GNU "ctx\\x04id")
    }

A plural entry is keyed by its singular msgid. Every translation must keep the placeholders of its msgid exactly:
%(name)s / %s (Python %-format) and {name} (brace format) -- same names, same count.

Usage:
    scripts/translations.sh                     # extract + update messages.po (+ compile)
    scripts/fill_translations.py                # apply the glossary to messages.po, list what is missing
    scripts/fill_translations.py --todo         # print the missing msgids as a JSON skeleton to fill in
    scripts/fill_translations.py --merge new.json   # validate new.json, add it to the glossary, then apply
    scripts/fill_translations.py --check        # change nothing; exit 1 if anything is missing, invalid or unapplied
    scripts/translations.sh compile             # compile messages.mo

Exit status: 0 when every msgid has a translation; with --check, 1 when any msgid is untranslated, a glossary entry
is invalid, or messages.po is not in step with the glossary; 2 on bad input (unreadable JSON, invalid --merge).
"""
from __future__ import annotations

import argparse
import difflib
import io
import json
import re
import sys
from collections import Counter
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "moderator" / "translations"
GLOSSARY = TRANSLATIONS / "en_glossary.json"
PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
CTX_SEP = "\x04"   # gettext's msgctxt separator

# Python %-format conversions (%(name)s, %s, %05.2f, ...) and str.format fields ({name}, {0}, {n:>3}).
PERCENT = re.compile(r"%(?:\((?P<name>[^)]*)\))?[#0+-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?(?P<conv>[diouxXeEfFgGcrsa%])")
BRACE = re.compile(r"\{\{|\}\}|\{(?P<field>[^{}]*)\}")


def placeholders(text: str) -> Counter:
    """The placeholders in a string, as a multiset: '%(name)s', '%s' (positional), '{name}'."""
    found: Counter = Counter()
    for m in PERCENT.finditer(text):
        if m.group("conv") == "%":
            continue
        found[f"%({m.group('name')}){m.group('conv')}" if m.group("name") is not None else f"%{m.group('conv')}"] += 1
    for m in BRACE.finditer(text):
        if m.group("field") is not None:
            found["{" + m.group("field") + "}"] += 1
    return found


def key_of(message) -> str:
    msgid = message.id[0] if isinstance(message.id, (list, tuple)) else message.id
    return f"{message.context}{CTX_SEP}{msgid}" if message.context else msgid


def problems(msgid, translation, nplurals: int) -> list[str]:
    """What is wrong with `translation` for `msgid` (a str, or a (singular, plural) tuple); [] if nothing."""
    plural = isinstance(msgid, (list, tuple))
    if plural:
        if not isinstance(translation, list) or not all(isinstance(t, str) for t in translation):
            return [f"plural msgid needs a list of {nplurals} strings"]
        if len(translation) != nplurals:
            return [f"needs {nplurals} plural forms, has {len(translation)}"]
        forms = translation
    else:
        if not isinstance(translation, str):
            return ["needs a string"]
        forms = [translation]
    errors = []
    for i, form in enumerate(forms):
        if not form.strip():
            errors.append("empty translation" + (f" (form {i})" if plural else ""))
            continue
        # Form 0 answers the singular msgid, the others the plural one; either may drop a count placeholder
        # ("one ticket"), so plural forms are checked against the union of both msgids' names.
        expected = placeholders(msgid[0] if not i else msgid[1]) if plural else placeholders(msgid)
        got = placeholders(form)
        if plural:
            allowed = set(placeholders(msgid[0])) | set(placeholders(msgid[1]))
            if set(got) - allowed:
                errors.append(f"unknown placeholders {sorted(set(got) - allowed)}")
        elif got != expected:
            missing, extra = expected - got, got - expected
            detail = []
            if missing:
                detail.append(f"missing {sorted(missing.elements())}")
            if extra:
                detail.append(f"unexpected {sorted(extra.elements())}")
            errors.append("placeholders differ: " + ", ".join(detail))
    return errors


def load_glossary(path: Path = GLOSSARY) -> dict:
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a JSON object")
    return data


def save_glossary(glossary: dict, path: Path = GLOSSARY) -> None:
    text = json.dumps(dict(sorted(glossary.items())), ensure_ascii=False, indent=2) + "\n"
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def load_catalog(path: Path = PO):
    with path.open("rb") as f:
        return read_po(f)


def render_catalog(catalog) -> bytes:
    # Same layout as `pybabel update` (width 76, no previous msgids), so an apply after an update only touches msgstrs.
    buf = io.BytesIO()
    write_po(buf, catalog, width=76, ignore_obsolete=True)
    return buf.getvalue()


def apply(catalog, glossary: dict) -> dict:
    """Fill the catalog's msgstrs from the glossary. Returns a report: untranslated msgids, invalid entries
    (key -> problems), unused glossary keys, and the number of msgstrs changed."""
    nplurals = catalog.num_plurals
    untranslated, invalid, changed, used = [], {}, 0, set()
    for message in catalog:
        if not message.id:
            continue
        key = key_of(message)
        if key not in glossary:
            has = any(message.string) if message.pluralizable else bool(message.string)
            # A msgstr typed straight into the .po would be lost on the next fill from a fresh catalog: count
            # it as untranslated until it is in the glossary.
            untranslated.append(key)
            if has:
                invalid.setdefault(key, []).append("translated in messages.po but not in the glossary")
            continue
        used.add(key)
        translation = glossary[key]
        errs = problems(message.id, translation, nplurals)
        if errs:
            invalid[key] = errs
            untranslated.append(key)
            continue
        new = tuple(translation) if message.pluralizable else translation
        old = tuple(message.string) if message.pluralizable else message.string
        if old != new or message.fuzzy:
            message.string = new
            message.flags.discard("fuzzy")
            changed += 1
    return {"untranslated": untranslated, "invalid": invalid, "changed": changed,
            "unused": sorted(set(glossary) - used)}


def merge(glossary: dict, new: dict, catalog) -> list[str]:
    """Add `new` entries to the glossary after checking them against the catalog's msgids (when present there)."""
    by_key = {key_of(m): m for m in catalog if m.id}
    errors = []
    for key, translation in new.items():
        msgid = by_key[key].id if key in by_key else key.split(CTX_SEP)[-1]
        if isinstance(translation, list) and key not in by_key:
            errors.append(f"{key!r}: plural entry for a msgid that is not in the catalog")
            continue
        errs = problems(msgid, translation, catalog.num_plurals)
        if errs:
            errors.append(f"{key!r}: " + "; ".join(errs))
    if not errors:
        glossary.update(new)
    return errors


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="change nothing; exit 1 if anything is missing or stale")
    ap.add_argument("--todo", action="store_true", help="print untranslated msgids as a JSON object to fill in")
    ap.add_argument("--merge", metavar="JSON", type=Path, help="add these translations to the glossary, then apply")
    ap.add_argument("--po", type=Path, default=PO, help=argparse.SUPPRESS)
    ap.add_argument("--glossary", type=Path, default=GLOSSARY, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    try:
        glossary = load_glossary(args.glossary)
    except (ValueError, json.JSONDecodeError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    catalog = load_catalog(args.po)
    before = render_catalog(catalog)

    if args.merge:
        try:
            new = json.loads(args.merge.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as e:
            print(f"error: {args.merge}: {e}", file=sys.stderr)
            return 2
        errors = merge(glossary, {k: v for k, v in new.items() if v not in ("", None, [])}, catalog)
        if errors:
            print("not merged:", *errors, sep="\n  ", file=sys.stderr)
            return 2
        if not args.check:
            save_glossary(glossary, args.glossary)

    report = apply(catalog, glossary)
    after = render_catalog(catalog)
    stale = after != before

    if args.todo:
        skeleton = {}
        for message in catalog:
            key = key_of(message) if message.id else None
            if key in report["untranslated"]:
                skeleton[key] = [""] * catalog.num_plurals if message.pluralizable else ""
        print(json.dumps(skeleton, ensure_ascii=False, indent=2))
        return 0

    if not args.check and stale:
        args.po.write_bytes(after)

    total = sum(1 for m in catalog if m.id)
    done = total - len(report["untranslated"])
    out = sys.stderr
    print(f"{args.po.relative_to(ROOT) if args.po.is_relative_to(ROOT) else args.po}: "
          f"{done}/{total} translated, {report['changed']} msgstr(s) "
          f"{'would change' if args.check else 'updated'}", file=out)
    for key, errs in report["invalid"].items():
        print(f"  invalid  {key!r}: {'; '.join(errs)}", file=out)
    for key in report["untranslated"]:
        if key not in report["invalid"]:
            print(f"  missing  {key!r}", file=out)
            # A reworded source string: show the old entry so its English can be reused.
            for old in difflib.get_close_matches(key, report["unused"], n=1, cutoff=0.8):
                print(f"           was {old!r} -> {glossary[old]!r}?", file=out)
    if report["unused"]:
        print(f"  ({len(report['unused'])} glossary entr{'y' if len(report['unused']) == 1 else 'ies'} "
              f"not in the catalog, kept: {', '.join(map(repr, report['unused'][:5]))}"
              f"{', …' if len(report['unused']) > 5 else ''})", file=out)
    if args.check:
        if stale:
            print("  messages.po is not in step with the glossary: run scripts/fill_translations.py", file=out)
        return 1 if report["untranslated"] or report["invalid"] or stale else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
