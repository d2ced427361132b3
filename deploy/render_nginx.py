"""Render deploy/nginx.conf.template:

    python deploy/render_nginx.py --prefix /var/lib/moderator-nginx --listen 80 \
        --worker 127.0.0.1:5001 --worker 127.0.0.1:5002 > /etc/nginx/moderator.conf
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"


def render(prefix: str, listen: str, workers: list[str], fail_timeout: str = "10s") -> str:
    # max_fails=3: a worker busy with a storm of handshakes may miss one 2 s connect timeout without being taken
    # out of the upstream for fail_timeout (a dead one refuses at once, and each request goes to the next anyway).
    ups = "\n".join(f"        server {w} max_fails=3 fail_timeout={fail_timeout};" for w in workers)
    text = TEMPLATE.read_text()
    return text.replace("@PREFIX@", str(prefix)).replace("@LISTEN@", str(listen)).replace("@UPSTREAMS@", ups)


def prepare(prefix: Path) -> None:
    """The folders nginx writes to."""
    for sub in ("tmp/client_body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi", "tmp/scgi", "logs"):
        (Path(prefix) / sub).mkdir(parents=True, exist_ok=True)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--prefix", required=True)
    p.add_argument("--listen", default="80")
    p.add_argument("--worker", action="append", required=True, help="host:port of one worker (repeat)")
    p.add_argument("--mkdirs", action="store_true", help="also create the folders under --prefix")
    args = p.parse_args(argv)
    if args.mkdirs:
        prepare(Path(args.prefix))
    sys.stdout.write(render(args.prefix, args.listen, args.worker))
    return 0


if __name__ == "__main__":
    sys.exit(main())
