"""The benchmark's fake SMS/Zalo gateway: a separate process, one asyncio loop, keep-alive.

    python -m bench.announcements_gateway [--port 0] [--token gateway-token]

It speaks the documented shapes the test fakes speak (``tests/announcements/fake_esms.py``: eSMS
with its RequestId deduplication; ``tests/announcements/fake_zalo.py``: ZNS and the OA token),
with the token as eSMS ApiKey and Zalo access token, without the failure switches the tests
need; a repeated RequestId or tracking_id is counted as a duplicate. ``GET /stats`` answers
the counts. It prints ``PORT <n>`` once it listens. Running in its own process on an event
loop, it does not share the interpreter lock with the benchmark and serves many keep-alive
connections without a thread each.
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


ESMS_SEND = "/MainService.svc/json/SendMultipleMessage_V4_post_json/"
ZNS_SEND = "/message/template"
ZALO_TOKEN = "/v4/oa/access_token"  # noqa: S105 - a path


def _json(body: dict) -> bytes:
    return answer(200, json.dumps(body).encode())


def handle(method: str, path: str, headers: dict[str, str], body: bytes, token: str) -> bytes:
    if method == "GET" and path == "/stats":
        stats = {**STATE, "messages": len(MESSAGES), "recipients": len(RECIPIENTS)}
        return answer(200, json.dumps(stats).encode())
    if method == "POST" and path == ZALO_TOKEN:
        return _json({"access_token": token, "refresh_token": "bench", "expires_in": "90000"})
    if method != "POST" or path not in (ESMS_SEND, ZNS_SEND):
        return answer(404, b'{"error": "not found"}')
    STATE["requests"] += 1
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        STATE["bad"] += 1
        return answer(400, b'{"error": "bad request"}')
    if path == ESMS_SEND:
        key, to = str(data.get("RequestId", "")), str(data.get("Phone"))
        if data.get("ApiKey") != token or not key:
            STATE["bad"] += 1
            return _json({"CodeResult": "101", "ErrorMessage": "Incorrect ApiKey or SecretKey."})
        if key in MESSAGES:  # eSMS blocks a repeated RequestId
            STATE["duplicates"] += 1
            return _json({"CodeResult": "124", "ErrorMessage": "Duplicate RequestId."})
        message_id = f"m{len(MESSAGES) + 1}"
        MESSAGES[key] = message_id
        RECIPIENTS.add(("sms", to))
        return _json({"CodeResult": "100", "CountRegenerate": 0, "SMSID": message_id})
    if headers.get("access_token") != token:
        return _json({"error": -124, "message": "Access token is invalid"})
    key, to = "zalo:" + str(data.get("tracking_id", "")), str(data.get("phone"))
    if key in MESSAGES:  # ZNS does not deduplicate: a repeat is a second message
        STATE["duplicates"] += 1
    message_id = f"m{len(MESSAGES) + 1}"
    MESSAGES[key] = message_id
    RECIPIENTS.add(("zalo", to))
    return _json({"error": 0, "message": "Success", "data": {"msg_id": message_id}})


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
