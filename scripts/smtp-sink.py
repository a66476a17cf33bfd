#!/usr/bin/env python3
"""A tiny SMTP server for tests: accepts every message and stores it as a JSON file.

    smtp-sink.py --port PORT --dir DIR [--host 127.0.0.1]

Needs `aiosmtpd` (scripts/test installs it in target/tools-venv). Prints
`smtp-sink listening on HOST:PORT` once it accepts connections, then runs until SIGTERM or
SIGINT. Each message becomes DIR/NNNN-<random>.json (written to a temporary name, then
renamed, so a reader never sees half a file) with the envelope (`mail_from`, `rcpt_tos`),
the headers `from`, `to`, `subject`, `message_id`, the decoded plain-text `body` and the
`raw` message.
"""

import argparse
import email
import email.policy
import itertools
import json
import os
import signal
import sys
import threading
import uuid

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.counter = itertools.count(1)
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        part = msg.get_body(preferencelist=("plain",))
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "from": str(msg.get("From", "")),
            "to": str(msg.get("To", "")),
            "subject": str(msg.get("Subject", "")),
            "message_id": str(msg.get("Message-ID", "")),
            "body": part.get_content() if part is not None else "",
            "raw": raw.decode("utf-8", errors="replace"),
        }
        with self.lock:
            n = next(self.counter)
        name = f"{n:04d}-{uuid.uuid4().hex[:8]}.json"
        tmp = os.path.join(self.directory, "." + name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(record, f, indent=2)
        os.rename(tmp, os.path.join(self.directory, name))
        return "250 Message accepted for delivery"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)

    controller = Controller(Sink(args.dir), hostname=args.host, port=args.port)
    controller.start()
    print(f"smtp-sink listening on {args.host}:{args.port}", flush=True)

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
