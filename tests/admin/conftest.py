"""One real server (eventlet, demo meeting) shared by the organiser tests (each picks its own requests), with an organiser account
created through the CLI against the server's own instance, and a logged-in HTTP session."""
import os
import re
import subprocess
import sys

import pytest
import requests

from tests.support.server import ROOT, ServerProcess

from .helpers import PASSWORD


@pytest.fixture(scope="session")
def live(tmp_path_factory):
    srv = ServerProcess(tmp_path_factory.mktemp("admin") / "instance", demo=True)
    srv.start()
    env = {**os.environ, "MODERATOR_INSTANCE": str(srv.instance)}
    env.pop("DATABASE_URL", None)
    out = subprocess.run([sys.executable, "-m", "moderator.cli", "create-admin", "--username", "vanphong",
                          "--password", PASSWORD], cwd=str(ROOT), env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    yield srv
    srv.stop()


def admin_session(srv) -> tuple[requests.Session, str]:
    s = requests.Session()
    page = s.get(srv.url + "/admin/login", timeout=10).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = s.post(srv.url + "/admin/login", data={"username": "vanphong", "password": PASSWORD, "csrf_token": csrf},
               allow_redirects=False, timeout=10)
    assert r.status_code == 303, r.text
    page = s.get(srv.url + "/admin/", timeout=10).text
    return s, re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
