#!/usr/bin/env python3
"""A webhook receiver on loopback for tests/rest/outbox_test.cpp.

Verifies and deduplicates every delivery with the Python snippet of
docs/webhooks.md (run as written there), also against a tampered copy of the
body, and appends one JSON line per request to --record ("new": false for a
repeat of an event id it has already seen). Answers --status when given, else 200 when the
signature holds and 400 when it does not. Runs until SIGTERM.
"""
import argparse
import json
import pathlib
import re
import signal
import ssl
import sys
from http.server import HTTPServer, BaseHTTPRequestHandler


def load_documented_receiver(doc: pathlib.Path):
    code = re.search(r"```python checked-by=tests/rest/webhook_receiver.py\n(.*?)```",
                     doc.read_text(), re.S).group(1)
    scope = {}
    exec(compile(code, str(doc), "exec"), scope)
    return scope["verify_meldcode_signature"], scope["new_meldcode_event"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--record", required=True)
    parser.add_argument("--doc", required=True)
    parser.add_argument("--status", type=int)
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"), help="serve https")
    args = parser.parse_args()
    verify, new_event = load_documented_receiver(pathlib.Path(args.doc))
    secret = args.secret.encode()
    seen = set()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            header = self.headers.get("Meldcode-Signature", "")
            verified = verify(secret, header, body)
            try:
                new = new_event(secret, header, body, seen) is not None
            except ValueError:
                new = None  # not verified
            tampered = body.replace(b"evt_", b"evt-", 1)  # every body holds its event id
            status = args.status or (200 if verified else 400)
            record = {
                "event_id": self.headers.get("Meldcode-Event-Id"),
                "signature": header,
                "body": body.decode(),
                "verified": verified,
                "new": new,
                "tampered_verified": verify(secret, header, tampered),
                "wrong_secret_verified": verify(secret + b"x", header, body),
                "status": status,
            }
            with open(args.record, "a") as out:
                out.write(json.dumps(record) + "\n")
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_):
            pass

    server = HTTPServer(("127.0.0.1", args.port), Handler)
    if args.tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*args.tls)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server.serve_forever()


if __name__ == "__main__":
    main()
