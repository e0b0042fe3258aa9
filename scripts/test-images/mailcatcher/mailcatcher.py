#!/usr/bin/env python3
"""EnvDeck's test stand-in for MailHog (it is NOT MailHog): catches every email sent to it and shows it.

No image registry is reachable where EnvDeck's tests run, so scripts/test-images.sh builds this into
envdeck-test/mailcatcher:1 and the tests name it `mailhog/mailhog` while they run. It speaks just enough
of MailHog's two faces for the sample project and its tests:
  SMTP on :1025  EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT (no TLS, no AUTH: like MailHog, it
                 accepts every message and delivers nothing)
  HTTP on :8025  GET /api/v2/messages, /api/v2/search?kind=to|from|containing&query=, /api/v1/messages,
                 /api/v1/messages/ID, DELETE /api/v1/messages[/ID], and a plain HTML list on /
in the JSON shape of MailHog's API (total/count/start/items; items[].Content.Headers/Body, Raw.From/To/Data).
Standard library only.
"""

import html
import json
import os
import socketserver
import threading
import uuid
from datetime import datetime, timezone
from email.parser import HeaderParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

SMTP_PORT = int(os.environ.get("MC_SMTP_PORT", "1025"))
HTTP_PORT = int(os.environ.get("MC_HTTP_PORT", "8025"))
HOSTNAME = "mailcatcher.envdeck.test"

_lock = threading.Lock()
_messages: list[dict] = []  # newest last; the API lists newest first, as MailHog does


def _path(address: str) -> dict:
    """MailHog's Path: `user@example.com` → Mailbox `user`, Domain `example.com`."""
    mailbox, _, domain = address.strip().strip("<>").partition("@")
    return {"Relays": None, "Mailbox": mailbox, "Domain": domain, "Params": ""}


def _store(helo: str, sender: str, recipients: list[str], data: str) -> dict:
    head, sep, body = data.partition("\r\n\r\n")
    if not sep:
        head, _, body = data.partition("\n\n")
    parsed = HeaderParser().parsestr(head + "\r\n\r\n")
    headers: dict[str, list[str]] = {}
    for name, value in parsed.items():
        headers.setdefault(name, []).append(value)
    message = {
        "ID": f"{uuid.uuid4().hex}@{HOSTNAME}",
        "From": _path(sender),
        "To": [_path(r) for r in recipients],
        "Content": {"Headers": headers, "Body": body, "Size": len(data), "MIME": None},
        "Created": datetime.now(timezone.utc).isoformat(),
        "MIME": None,
        "Raw": {"From": sender, "To": list(recipients), "Data": data, "Helo": helo},
    }
    with _lock:
        _messages.append(message)
    print(f"mailcatcher: caught a message for {', '.join(recipients)}", flush=True)
    return message


def _address(argument: str) -> str:
    """`FROM:<a@b> SIZE=12` → `a@b`."""
    value = argument.split(":", 1)[1].strip() if ":" in argument else argument.strip()
    if value.startswith("<"):
        value = value[1 : value.find(">")] if ">" in value else value[1:]
    return value.split(" ", 1)[0]


class SmtpSession(socketserver.StreamRequestHandler):
    def reply(self, text: str) -> None:
        self.wfile.write(text.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        helo, sender, recipients = "", "", []
        self.reply(f"220 {HOSTNAME} ESMTP EnvDeck test stand-in for MailHog")
        while True:
            line = self.rfile.readline(65536)
            if not line:
                return
            command, _, argument = line.decode("utf-8", "replace").rstrip("\r\n").partition(" ")
            verb = command.upper()
            if verb == "EHLO":
                helo = argument
                self.reply(f"250-{HOSTNAME} Hello {argument}\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 10485760")
            elif verb == "HELO":
                helo = argument
                self.reply(f"250 {HOSTNAME} Hello {argument}")
            elif verb == "MAIL":
                sender, recipients = _address(argument), []
                self.reply("250 Sender ok")
            elif verb == "RCPT":
                if not sender:
                    self.reply("503 MAIL first")
                    continue
                recipients.append(_address(argument))
                self.reply("250 Recipient ok")
            elif verb == "DATA":
                if not recipients:
                    self.reply("503 RCPT first")
                    continue
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while True:
                    raw = self.rfile.readline(1 << 20)
                    if not raw:
                        return
                    text = raw.decode("utf-8", "replace")
                    if text.rstrip("\r\n") == ".":
                        break
                    lines.append(text[1:] if text.startswith(".") else text)  # RFC 5321 4.5.2
                message = _store(helo, sender, recipients, "".join(lines))
                self.reply(f"250 Ok: queued as {message['ID']}")
                sender, recipients = "", []
            elif verb == "RSET":
                sender, recipients = "", []
                self.reply("250 Ok")
            elif verb == "NOOP":
                self.reply("250 Ok")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply(f"502 {verb} is not implemented by this stand-in")


class Api(BaseHTTPRequestHandler):
    server_version = "EnvDeck-mailcatcher/1"

    def send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def json(self, value, status: int = 200) -> None:
        self.send(status, json.dumps(value).encode())

    def do_GET(self) -> None:
        url = urlparse(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        with _lock:
            newest_first = list(reversed(_messages))
        if url.path in ("/api/v2/messages", "/api/v2/search"):
            if url.path == "/api/v2/search":
                kind, needle = query.get("kind", ""), query.get("query", "").lower()
                if kind not in ("to", "from", "containing"):
                    return self.json({"error": "kind must be to, from or containing"}, 400)
                newest_first = [m for m in newest_first if _matches(m, kind, needle)]
            start = int(query.get("start", "0") or 0)
            limit = int(query.get("limit", "50") or 50)
            page = newest_first[start : start + limit]
            return self.json({"total": len(newest_first), "count": len(page), "start": start, "items": page})
        if url.path == "/api/v1/messages":
            return self.json(newest_first)
        if url.path.startswith("/api/v1/messages/"):
            wanted = url.path.rsplit("/", 1)[1]
            found = [m for m in newest_first if m["ID"] == wanted]
            return self.json(found[0]) if found else self.json({"error": "no such message"}, 404)
        if url.path == "/":
            rows = "".join(
                f"<li>{html.escape(', '.join(m['Raw']['To']))}: "
                f"{html.escape((m['Content']['Headers'].get('Subject') or [''])[0])}</li>"
                for m in newest_first
            )
            page = (
                "<!doctype html><title>Mail catcher (EnvDeck test stand-in for MailHog)</title>"
                f"<h1>Mail catcher</h1><p>EnvDeck's test stand-in for MailHog: {len(newest_first)} message(s).</p>"
                f"<ul>{rows}</ul>"
            )
            return self.send(200, page.encode(), "text/html; charset=utf-8")
        self.json({"error": "not found"}, 404)

    def do_DELETE(self) -> None:
        path = urlparse(self.path).path
        with _lock:
            if path == "/api/v1/messages":
                _messages.clear()
                return self.send(200, b"")
            if path.startswith("/api/v1/messages/"):
                wanted = path.rsplit("/", 1)[1]
                before = len(_messages)
                _messages[:] = [m for m in _messages if m["ID"] != wanted]
                return self.send(200 if len(_messages) < before else 404, b"")
        self.json({"error": "not found"}, 404)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (http.server's signature)
        pass


def _matches(message: dict, kind: str, needle: str) -> bool:
    if kind == "to":
        return any(needle in r.lower() for r in message["Raw"]["To"])
    if kind == "from":
        return needle in message["Raw"]["From"].lower()
    return needle in message["Raw"]["Data"].lower()


class Smtp(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main() -> None:
    smtp = Smtp(("0.0.0.0", SMTP_PORT), SmtpSession)
    threading.Thread(target=smtp.serve_forever, daemon=True).start()
    http = ThreadingHTTPServer(("0.0.0.0", HTTP_PORT), Api)
    print(f"mailcatcher (EnvDeck test stand-in for MailHog): SMTP :{SMTP_PORT}, HTTP :{HTTP_PORT}", flush=True)
    http.serve_forever()


if __name__ == "__main__":
    main()
