"""The bare relays `bench/ws.py` measures the app against: the same messages as the
live-transcription consumer with the `instant` engine (an interim per frame, a final
every `FINAL_EVERY`), without Django, Channels or storage, once as a `websockets`
server and once as a bare ASGI application under daphne (`--daphne-echo`)."""

import asyncio
import json

FINAL_EVERY = 10


def relay_command(port: int) -> list[str]:
    """`python <this>`: the bare `websockets` relay on `port`."""
    return [
        "-c",
        "import asyncio, sys; from bench.ws_relays import relay_server; "
        "asyncio.run(relay_server(int(sys.argv[1])))",
        str(port),
    ]


def daphne_echo_command(port: int) -> list[str]:
    return ["-m", "daphne", "-v", "0", "-b", "127.0.0.1", "-p", str(port)] + [
        "bench.ws_relays:daphne_echo"
    ]


def relay_replies(message: str | bytes, frames: int) -> tuple[list[str], int, bool]:
    """What the consumer would answer, without Django or storage: the replies to one
    message, the frame count after it, and whether to close."""
    if isinstance(message, str):
        kind = json.loads(message).get("type")
        if kind == "start":
            return (
                [json.dumps({"type": "ready", "session_id": 0, "last_seq": 0})],
                0,
                False,
            )
        if kind == "stop":
            return [json.dumps({"type": "status", "state": "stopped"})], frames, True
        return [], frames, False
    frames += 1
    tag = message[:8].hex()
    replies = [_transcript(tag, None, is_final=False)]
    if frames % FINAL_EVERY == 0:
        replies.append(_transcript("frames to " + tag, frames // FINAL_EVERY, True))
    return replies, frames, False


def _transcript(text: str, seq: int | None, is_final: bool) -> str:
    return json.dumps(
        {
            "type": "transcript",
            "seq": seq,
            "text": text,
            "is_final": is_final,
            "speaker": 0 if is_final else None,
            "start_ms": 0,
            "end_ms": 0,
        }
    )


async def relay_server(port: int) -> None:
    """The bare relay: the same messages as the consumer, no Django, no storage."""
    from websockets.asyncio.server import serve

    async def handle(ws):
        frames = 0
        async for message in ws:
            replies, frames, close = relay_replies(message, frames)
            for reply in replies:
                await ws.send(reply)
            if close:
                await ws.close()

    async with serve(handle, "127.0.0.1", port, max_size=2**17):
        await asyncio.Future()


async def daphne_echo(scope, receive, send):
    """The same relay as a bare ASGI application under daphne (`--daphne-echo`): no
    Django, no Channels, no database; what daphne itself costs per frame."""
    if scope["type"] != "websocket":
        return
    frames = 0
    while True:
        message = await receive()
        if message["type"] == "websocket.connect":
            await send({"type": "websocket.accept"})
        elif message["type"] == "websocket.disconnect":
            return
        elif message["type"] == "websocket.receive":
            data = message.get("bytes")
            replies, frames, close = relay_replies(
                message["text"] if data is None else data, frames
            )
            for reply in replies:
                await send({"type": "websocket.send", "text": reply})
            if close:
                await send({"type": "websocket.close", "code": 1000})
                return
