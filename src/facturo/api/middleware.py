"""ASGI middleware for what real Siigo clients send: paths in any letter case and
bodies that are almost JSON."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from facturo.api.deps import rate_limit_headers
from facturo.api.lenient import UnreadableBody, normalize_body

MAX_BODY_BYTES = 5 * 1024 * 1024


class CaseInsensitivePaths:
    """Rewrites ``/siigo/api/v1/accounts/getbyid/7`` to the route's own spelling
    (``/siigo/api/v1/Accounts/GetByID/7``) before routing."""

    def __init__(
        self, app: ASGIApp, *, route_paths: Iterable[str], prefixes: tuple[str, ...]
    ) -> None:
        self.app = app
        self.prefixes = tuple(p.lower() for p in prefixes)
        self.exact: dict[str, str] = {}
        self.with_parameter: dict[str, str] = {}
        for path in route_paths:
            if not path.lower().startswith(self.prefixes):
                continue
            if "{" in path:
                head, _, last = path.rpartition("/")
                if last.startswith("{") and "{" not in head:
                    self.with_parameter[head.lower()] = head
            else:
                self.exact[path.lower()] = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            lowered = path.lower().rstrip("/")
            if lowered.startswith(self.prefixes):
                canonical = self.exact.get(lowered)
                if canonical is None:
                    head, _, last = path.rstrip("/").rpartition("/")
                    known_head = self.with_parameter.get(head.lower())
                    canonical = f"{known_head}/{last}" if known_head else None
                if canonical is not None and canonical != path:
                    scope = {**scope, "path": canonical, "raw_path": canonical.encode()}
        await self.app(scope, receive, send)


class LenientJsonBodies:
    """Turns the near-JSON bodies real clients send into JSON, and labels them as JSON,
    for requests under ``prefixes``. A body that cannot be read at all is answered by
    ``on_unreadable`` in the dialect of the path."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        prefixes: tuple[str, ...],
        skip: tuple[str, ...] = (),
        on_unreadable: Any,
    ) -> None:
        self.app = app
        self.prefixes = tuple(p.lower() for p in prefixes)
        self.skip = tuple(p.lower() for p in skip)
        self.on_unreadable = on_unreadable

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "").lower()
        if (
            scope["type"] != "http"
            or scope["method"] in ("GET", "HEAD", "OPTIONS")
            or not path.startswith(self.prefixes)
            or path.startswith(self.skip)
        ):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        content_type = headers.get(b"content-type", b"").decode("latin-1").lower()
        body = await _read_body(receive)
        if body is not None and "form" in content_type and body.lstrip()[:1] not in (b"{", b"["):
            await self.app(scope, _replay(body, receive), send)  # a real form: not ours to read
            return
        if body is None:
            response = self.on_unreadable(scope, 413, "The request body is too large")
            await response(scope, receive, send)
            return
        try:
            rewritten = normalize_body(body)
        except UnreadableBody as error:
            response = self.on_unreadable(scope, 400, str(error))
            await response(scope, receive, send)
            return
        if rewritten is not None:
            body = rewritten
        if body.strip():
            # Also when labelled as a form: PHP's curl labels JSON that way by default.
            headers[b"content-type"] = b"application/json"
        headers[b"content-length"] = str(len(body)).encode()
        scope = {**scope, "headers": list(headers.items())}
        await self.app(scope, _replay(body, receive), send)


async def _read_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, original: Receive) -> Receive:
    """Hands the (rewritten) body over once, then lets the app wait on the real connection."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await original()

    return receive


class RateLimitHeaders:
    """Adds the ``X-RateLimit-*`` headers of the company's rate limit, when one applies, to
    every answer of the current API (the dependency that counts the request leaves its state
    in ``request.state.rate_limit``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                state = scope.get("state", {}).get("rate_limit")
                if state is not None:
                    present = {name.lower() for name, _ in message.get("headers", [])}
                    extra = [
                        (name.lower().encode(), value.encode())
                        for name, value in rate_limit_headers(state).items()
                        if name.lower().encode() not in present
                    ]
                    message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
