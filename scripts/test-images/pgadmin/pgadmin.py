#!/usr/bin/env python3
"""EnvDeck's test stand-in for pgAdmin 4 (it is NOT pgAdmin): a web page on :80 listing the servers of
/pgadmin4/servers.json, so a stack that provisions pgAdmin can be started and checked offline.

scripts/test-images.sh builds it into envdeck-test/pgadmin:1 and the tests name it `dpage/pgadmin4`
while they run. Like the real image it refuses to start without PGADMIN_DEFAULT_EMAIL and
PGADMIN_DEFAULT_PASSWORD (so a stack that forgets the generated password fails here too), and it answers
pgAdmin's health path /misc/ping with `PING`. It never prints the password. Standard library only.
"""

import html
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SERVERS = os.environ.get("PGADMIN_SERVER_JSON_FILE", "/pgadmin4/servers.json")
PORT = int(os.environ.get("PGADMIN_LISTEN_PORT", "80"))


def servers() -> list[dict]:
    try:
        with open(SERVERS, encoding="utf-8") as f:
            return list(json.load(f).get("Servers", {}).values())
    except FileNotFoundError:
        return []


class Page(BaseHTTPRequestHandler):
    server_version = "EnvDeck-pgadmin-stand-in/1"

    def do_GET(self) -> None:
        if self.path == "/misc/ping":
            body, kind = b"PING", "text/plain"
        elif self.path == "/servers.json":
            body, kind = json.dumps(servers()).encode(), "application/json"
        elif self.path == "/":
            rows = "".join(
                f"<li>{html.escape(str(s.get('Name')))}: {html.escape(str(s.get('Username')))}@"
                f"{html.escape(str(s.get('Host')))}:{html.escape(str(s.get('Port')))}</li>"
                for s in servers()
            )
            body = (
                "<!doctype html><title>pgAdmin (EnvDeck test stand-in)</title>"
                f"<h1>pgAdmin stand-in</h1><p>Registered servers:</p><ul>{rows}</ul>"
            ).encode()
            kind = "text/html; charset=utf-8"
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (http.server's signature)
        pass


def main() -> None:
    missing = [v for v in ("PGADMIN_DEFAULT_EMAIL", "PGADMIN_DEFAULT_PASSWORD") if not os.environ.get(v)]
    if missing:
        print(f"You need to define the {' and '.join(missing)} environment variable(s).", file=sys.stderr)
        sys.exit(1)
    print(f"pgAdmin stand-in: {len(servers())} server(s) from {SERVERS}, listening on :{PORT}", flush=True)
    ThreadingHTTPServer(("0.0.0.0", PORT), Page).serve_forever()


if __name__ == "__main__":
    main()
