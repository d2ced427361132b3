"""The English catalog is complete, in step with the glossary, compiled, and actually used.

Sources are Vietnamese; English comes from moderator/translations/en/LC_MESSAGES/messages.po, which is filled from
moderator/translations/en_glossary.json by scripts/fill_translations.py. When a test here fails after adding or
changing a string:

    scripts/translations.sh                          # extract + update messages.po
    # add the new msgids with their English to moderator/translations/en_glossary.json
    scripts/fill_translations.py                     # apply the glossary
    scripts/translations.sh compile                  # rebuild messages.mo
"""
from __future__ import annotations

import importlib.util
import io
import re
import shlex
import subprocess
import sys
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "translations.sh"
PO = ROOT / "moderator" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
HINT = ("run scripts/translations.sh, add the English to moderator/translations/en_glossary.json, "
        "then scripts/fill_translations.py and scripts/translations.sh compile")

# Names that stay Vietnamese in an English page: the language switch and places.
PROPER_NAMES = ("Tiếng Việt", "Việt Nam", "Thái Nguyên", "Giao Minh", "Hà Nội")
# Official document numbers keep their Vietnamese symbols: 05-BB/ĐU, 30/2020/NĐ-CP, 21-KH/ĐU.
DOC_SYMBOL = re.compile(r"\b\d+(?:/\d{4})?[-/][A-ZĐ]+(?:[-/][A-ZĐ]+)*")


def without_names(text: str) -> str:
    for name in PROPER_NAMES:
        text = text.replace(name, "")
    return DOC_SYMBOL.sub("", text)


def _load_filler():
    spec = importlib.util.spec_from_file_location("fill_translations", ROOT / "scripts" / "fill_translations.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


fill = _load_filler()


def vietnamese_letters(text: str) -> list[str]:
    """Letters carrying Vietnamese diacritics (tone marks, ă â ê ô ơ ư, đ)."""
    return sorted({ch for ch in text if ch in "đĐ" or (
        ch.isalpha() and any(0x300 <= ord(c) <= 0x36F for c in unicodedata.normalize("NFD", ch)))})


def extract_command(output: Path) -> list[str]:
    """The `pybabel extract ...` line of scripts/translations.sh, writing to `output` instead of /tmp."""
    text = SCRIPT.read_text(encoding="utf-8").replace("\\\n", " ")
    lines = [ln.strip() for ln in text.splitlines() if ln.strip().startswith("pybabel extract")]
    assert len(lines) == 1, "scripts/translations.sh should hold exactly one `pybabel extract` command"
    args = shlex.split(lines[0])
    assert "-o" in args, "the extract command in scripts/translations.sh should write its template with -o"
    args[args.index("-o") + 1] = str(output)
    # The same CLI as the `pybabel` entry point, run by this interpreter so it is the babel the app uses.
    return [sys.executable, "-m", "babel.messages.frontend", *args[1:]]


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """A fresh catalog template extracted from the sources, exactly as scripts/translations.sh does it."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    run = subprocess.run(extract_command(pot), cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    with pot.open("rb") as f:
        catalog = read_po(f)
    assert sum(1 for m in catalog if m.id) > 50, "extraction found almost nothing; is babel.cfg still right?"
    return catalog


@pytest.fixture(scope="module")
def english():
    with PO.open("rb") as f:
        return read_po(f)


def label(message) -> str:
    msgid = message.id[0] if isinstance(message.id, (list, tuple)) else message.id
    return f"{message.context}|{msgid}" if message.context else msgid


def test_every_extracted_msgid_has_english(extracted, english):
    problems = []
    for message in extracted:
        if not message.id:
            continue
        entry = english.get(message.id, message.context)
        if entry is None:
            problems.append(f"{label(message)!r}: not in messages.po")
            continue
        if entry.fuzzy:
            problems.append(f"{label(message)!r}: marked fuzzy")
        translation = list(entry.string) if entry.pluralizable else entry.string
        errs = fill.problems(message.id, translation, english.num_plurals)
        problems += [f"{label(message)!r}: {e}" for e in errs]
    assert not problems, f"{len(problems)} msgid(s) without a usable English translation ({HINT}):\n" + \
        "\n".join(problems)


def test_english_is_english(english):
    """A msgstr copied from the msgid, or half translated, still carries Vietnamese letters."""
    left = []
    for message in english:
        if not message.id:
            continue
        for form in (message.string if message.pluralizable else [message.string]):
            if vietnamese_letters(without_names(form)):
                left.append(f"{label(message)!r} -> {form!r}")
    assert not left, "Vietnamese left in the English catalog:\n" + "\n".join(left)


def test_catalog_in_step_with_glossary(english):
    """The glossary is the file people edit: messages.po must be exactly what it yields (nothing typed into the
    .po only, where the next refill from a clean catalog would lose it)."""
    with PO.open("rb") as f:
        catalog = read_po(f)
    report = fill.apply(catalog, fill.load_glossary())
    assert not report["invalid"], report["invalid"]
    assert report["changed"] == 0, "messages.po differs from the glossary: run scripts/fill_translations.py"


def _messages(catalog) -> dict:
    def norm(v):
        return tuple(v) if isinstance(v, (list, tuple)) else v
    return {(norm(m.id), m.context): norm(m.string) for m in catalog}


def test_mo_is_compiled_from_current_po():
    with PO.open("rb") as f:
        po = read_po(f)
    fresh = io.BytesIO()
    write_mo(fresh, po)     # what `pybabel compile` writes (fuzzy entries left out)
    fresh.seek(0)
    assert MO.exists(), "messages.mo is missing: run scripts/translations.sh compile"
    with MO.open("rb") as f:
        current = _messages(read_mo(f))
    expected = _messages(read_mo(fresh))
    stale = sorted(str(k[0]) for k in expected.keys() - current.keys())
    gone = sorted(str(k[0]) for k in current.keys() - expected.keys())
    changed = sorted(str(k[0]) for k in expected.keys() & current.keys() if expected[k] != current[k])
    assert not (stale or gone or changed), (
        "messages.mo is older than messages.po (run scripts/translations.sh compile): "
        f"missing {stale[:10]}, extra {gone[:10]}, different {changed[:10]}")


class _Text(HTMLParser):
    """The visible text inside <main>, and the <title>."""

    def __init__(self):
        super().__init__()
        self.depth_main = 0
        self.skip = 0
        self.in_title = False
        self.main: list[str] = []
        self.title: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "main":
            self.depth_main += 1
        elif tag in ("script", "style", "template"):
            self.skip += 1
        elif tag == "title":
            self.in_title = True
        if self.depth_main and not self.skip:
            for name, value in attrs:      # text people read or hear: placeholders, labels, alt text
                if name in ("placeholder", "aria-label", "title", "alt") and value:
                    self.main.append(value)

    def handle_endtag(self, tag):
        if tag == "main":
            self.depth_main -= 1
        elif tag in ("script", "style", "template"):
            self.skip -= 1
        elif tag == "title":
            self.in_title = False

    def handle_data(self, data):
        if self.in_title:
            self.title.append(data)
        elif self.depth_main and not self.skip:
            self.main.append(data)


def page_text(html: str) -> tuple[str, str]:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.main).split()), " ".join(" ".join(parser.title).split())


def test_home_page_in_english(app, english):
    client = app.test_client()
    resp = client.get("/?lang=en")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert '<html lang="en">' in html
    main, title = page_text(html)

    for msgid in ("Hội nghị tiếp xúc, đối thoại trực tiếp", "Vào hội nghị"):
        entry = english.get(msgid)
        assert entry is not None and entry.string, f"{msgid!r} should be in the English catalog"
        assert entry.string in main, f"{entry.string!r} (English for {msgid!r}) not on the English home page"
    assert english.get("Hội nghị tiếp xúc, đối thoại trực tiếp").string in title

    rest = without_names(f"{title} {main}")
    assert not vietnamese_letters(rest), f"Vietnamese letters {vietnamese_letters(rest)} on /?lang=en: {rest!r}"

    # And the check is not vacuous: the same page in Vietnamese is full of them.
    vi_main, _ = page_text(client.get("/?lang=vi").get_data(as_text=True))
    assert vietnamese_letters(vi_main)
