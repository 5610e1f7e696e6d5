"""The benchmark's fake SMS/Zalo gateway: a separate process, one asyncio loop, keep-alive.

    python -m bench.announcements_gateway [--port 0] [--token gateway-token]

It speaks the same protocol as ``tests/announcements/fake_gateway.py`` (``POST /sms`` or
``/zalo`` with a JSON body, ``Authorization: Bearer <token>``, ``Idempotency-Key``; the same
key again is the first answer back, counted as a duplicate, not a second message), without the
failure switches the tests need. ``GET /stats`` answers the counts. It prints ``PORT <n>`` once
it listens. Running in its own process on an event loop, it does not share the interpreter
lock with the benchmark and serves many keep-alive connections without a thread each.
"""

import argparse
import asyncio
import json
import sys

STATE = {"requests": 0, "duplicates": 0, "bad": 0}
MESSAGES: dict[str, str] = {}  # idempotency key -> message id
RECIPIENTS: set[tuple[str, str]] = set()


def answer(status: int, body: bytes) -> bytes:
    reason = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found"}[status]
    return (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def handle(method: str, path: str, headers: dict[str, str], body: bytes, token: str) -> bytes:
    if method == "GET" and path == "/stats":
        stats = {**STATE, "messages": len(MESSAGES), "recipients": len(RECIPIENTS)}
        return answer(200, json.dumps(stats).encode())
    if method != "POST" or path not in ("/sms", "/zalo"):
        return answer(404, b'{"error": "not found"}')
    STATE["requests"] += 1
    if headers.get("authorization") != f"Bearer {token}":
        return answer(401, b'{"error": "bad token"}')
    key = headers.get("idempotency-key", "")
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if not key or not isinstance(data, dict):
        STATE["bad"] += 1
        return answer(400, b'{"error": "bad request"}')
    message_id = MESSAGES.get(key)
    if message_id is None:
        message_id = f"m{len(MESSAGES) + 1}"
        MESSAGES[key] = message_id
        RECIPIENTS.add((path, str(data.get("to"))))
    else:
        STATE["duplicates"] += 1
    return answer(200, b'{"message_id": "' + message_id.encode() + b'"}')


async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, token: str) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, path, _version = lines[0].split(" ", 2)
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0") or 0)
            body = await reader.readexactly(length) if length else b""
            writer.write(handle(method, path, headers, body, token))
            if headers.get("connection", "").lower() == "close":
                break
    except (asyncio.IncompleteReadError, ConnectionError, ValueError):
        pass
    finally:
        writer.close()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default="gateway-token")
    args = parser.parse_args()
    server = await asyncio.start_server(
        lambda r, w: serve(r, w, args.token), "127.0.0.1", args.port, backlog=512
    )
    print("PORT", server.sockets[0].getsockname()[1], flush=True)
    sys.stdout.close()
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
