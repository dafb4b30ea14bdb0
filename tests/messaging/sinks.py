"""Local sinks standing in for the outside world: an SMTP server (aiosmtpd) and an
HTTP server that records what robots would receive."""

import json
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Collect:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.envelopes.append(envelope)
        return "250 OK"


class SmtpSink:
    def __init__(self):
        self.handler = _Collect()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self):
        import email
        from email import policy

        return [
            email.message_from_bytes(envelope.content, policy=policy.default)
            for envelope in self.handler.envelopes
        ]

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


@dataclass
class Hit:
    path: str
    query: dict
    body: dict


@dataclass
class HttpSink:
    """Answers each POST with the next (status, body) of ``answers`` (the last one
    repeats) and records it."""

    answers: list = field(default_factory=lambda: [(200, {"errcode": 0, "errmsg": "ok"})])
    hits: list = field(default_factory=list)

    def __enter__(self):
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                parts = urlsplit(self.path)
                sink.hits.append(Hit(parts.path, parse_qs(parts.query), json.loads(raw or b"{}")))
                index = min(len(sink.hits) - 1, len(sink.answers) - 1)
                status, body = sink.answers[index]
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
