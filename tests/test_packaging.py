"""`pip install .` (not only -e) ships the templates, static files, migrations, translations and demo data."""
import re
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_subpackage_is_listed_in_pyproject():
    listed = set(re.findall(r'"(moderator[\w.]*)"', (ROOT / "pyproject.toml").read_text()))
    on_disk = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "moderator").rglob("__init__.py")
               if "migrations" not in p.parts}
    assert on_disk <= listed, on_disk - listed


def test_wheel_contains_every_asset(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                    str(tmp_path), str(ROOT)], check=True)
    names = set(zipfile.ZipFile(next(tmp_path.glob("*.whl"))).namelist())
    for folder, target in (("templates", "moderator/_templates"), ("static", "moderator/_static")):
        for f in (ROOT / folder).rglob("*"):
            if f.is_file():
                assert f"{target}/{f.relative_to(ROOT / folder).as_posix()}" in names
    assert any(n.startswith("moderator/db/migrations/versions/") for n in names)
    assert "moderator/translations/en/LC_MESSAGES/messages.mo" in names
    assert "moderator/demo/recommendations.csv" in names
