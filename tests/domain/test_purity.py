"""The domain is plain Python: no Flask, no SQLAlchemy, so its rules are tested (and reused) alone."""
import ast
from pathlib import Path

DOMAIN = Path(__file__).resolve().parents[2] / "moderator" / "domain"
FORBIDDEN = ("flask", "sqlalchemy", "werkzeug", "flask_socketio", "eventlet", "moderator.db", "moderator.web")


def test_domain_imports_no_framework():
    for path in DOMAIN.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                assert not name.startswith(FORBIDDEN), f"{path.name} imports {name}"
