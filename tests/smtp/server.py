"""A test SMTP receiver: aiosmtpd (Debian's python3-aiosmtpd) with a handler
that stores every accepted message and misbehaves on request.

    python3 tests/smtp/server.py --out DIR [--delay SECONDS]

Prints `READY <port>` when it listens on 127.0.0.1. Each accepted message is
written to DIR/<n>.eml and a line {"time", "rcpt", "message_id"} is appended
to DIR/received.jsonl (flushed, so a reader sees it at once).

Recipients steer it:
  tempfail*@…  answered 451 the first time, accepted afterwards
  reject*@…    answered 550 (permanent failure)
"""

import argparse
import asyncio
import email
import json
import os
import socket
import threading
import time

from aiosmtpd.controller import Controller


class Handler:
    def __init__(self, out, delay):
        self.out = out
        self.delay = delay
        self.failed_once = set()
        self.count = 0
        self.lock = threading.Lock()
        self.log = open(os.path.join(out, "received.jsonl"), "a", buffering=1)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0].lower()
        if local.startswith("reject"):
            return "550 5.1.1 No such user here"
        if local.startswith("tempfail") and address not in self.failed_once:
            self.failed_once.add(address)
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.content)
        with self.lock:
            self.count += 1
            n = self.count
        with open(os.path.join(self.out, f"{n}.eml"), "wb") as f:
            f.write(envelope.content)
        for rcpt in envelope.rcpt_tos:
            self.log.write(json.dumps({
                "time": time.time(),
                "rcpt": rcpt,
                "message_id": message.get("Message-ID", ""),
                "file": f"{n}.eml",
            }) + "\n")
        return "250 Message accepted for delivery"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    port = args.port or free_port()
    controller = Controller(Handler(args.out, args.delay), hostname="127.0.0.1", port=port)
    controller.start()
    print(f"READY {port}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
