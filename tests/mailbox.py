"""A real SMTP server for tests (aiosmtpd on a free local port) and the fixture that points
Facturo's outgoing mail at it."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from facturo.services.context import ServiceContext


class Mailbox:
    """A real SMTP server on a free local port, keeping what it accepts."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.refuse_next = 0  # how many messages to turn away with a temporary failure
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.refuse_next:
            self.refuse_next -= 1
            return "451 4.3.0 Mailbox busy, try again later"
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"


@pytest.fixture
def mailbox(ctx: ServiceContext, monkeypatch: pytest.MonkeyPatch) -> Iterator[Mailbox]:
    box = Mailbox()
    box.controller.start()
    monkeypatch.setattr(ctx.settings, "smtp_host", "127.0.0.1")
    monkeypatch.setattr(ctx.settings, "smtp_port", box.port)
    monkeypatch.setattr(ctx.settings, "smtp_starttls", False)
    monkeypatch.setattr(ctx.settings, "smtp_from", "Facturas <facturas@empresa.co>")
    monkeypatch.setattr(ctx.settings, "smtp_timeout_seconds", 5.0)
    yield box
    box.controller.stop()
