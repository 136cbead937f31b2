"""Order confirmation e-mails with the tickets PDF (case WR-03, WR-11).

`queue_confirmation` adds a `hub_mail` row in the caller's transaction (the same one that made the order
PAID), so a mail is never lost; the `Mailer` thread sends due rows over SMTP with retries and exponential
back-off. A failing SMTP server never fails or rolls back the order: it only delays the mail.
Delivery is at-least-once: a row is leased before sending, so a crash mid-send may repeat one mail.
"""
from __future__ import annotations

import logging
import smtplib
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core.db import Ledger
from core.events import get_event
from core.models import Order
from core.orders import get_order
from core.pdf import render_order_pdf
from core.timeutil import shown, utcnow
from sync.hub.models import HubMail

logger = logging.getLogger(__name__)
CONFIRMATION = "confirmation"
PENDING, SENT = "pending", "sent"


def queue_confirmation(session: Session, order: Order, now: datetime) -> bool:
    """Queue the confirmation e-mail of `order` (once per order) in the caller's transaction; False when the
    order has no e-mail address or a confirmation is already queued or sent."""
    email = (order.email or "").strip()
    if "@" not in email:
        return False
    known = session.scalar(select(HubMail.id).where(HubMail.order_number == order.order_number,
                                                    HubMail.kind == CONFIRMATION))
    if known is not None:
        return False
    session.add(HubMail(kind=CONFIRMATION, event_id=order.event_id, order_number=order.order_number,
                        recipient=email, state=PENDING, attempts=0, next_attempt=utcnow(), last_error="",
                        created=now))
    return True


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to send: from `smtp://[user:pass@]host[:port][?from=addr&starttls=1&timeout=s]` or
    `smtps://…` (implicit TLS)."""

    host: str
    port: int
    ssl: bool = False
    starttls: bool = False
    user: str = ""
    password: str = ""
    sender: str = "tessera-hub@localhost"
    timeout: float = 10.0

    @classmethod
    def parse(cls, url: str) -> "SmtpConfig":
        """Parse an SMTP URL; ValueError for another scheme or a missing host."""
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError(f"not an smtp:// or smtps:// URL: {url!r}")
        opts = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        ssl = parts.scheme == "smtps"
        return cls(host=parts.hostname, port=parts.port or (465 if ssl else 25), ssl=ssl,
                   starttls=opts.get("starttls", "0") in ("1", "true", "yes"),
                   user=unquote(parts.username or ""), password=unquote(parts.password or ""),
                   sender=opts.get("from", cls.sender), timeout=float(opts.get("timeout", cls.timeout)))


def build_message(session: Session, mail: HubMail, sender: str) -> EmailMessage:
    """The confirmation e-mail of `mail`'s order: text body listing the tickets, tickets PDF attached
    (core.pdf.render_order_pdf)."""
    order = get_order(session, mail.order_number)
    event = get_event(session, order.event_id)
    when = shown(event.start, event.time_zone)
    lines = [f"Hello {order.first_name or ''}".rstrip() + ",", "",
             f"your order {order.order_number} for {event.title}{' on ' + when if when else ''} is confirmed.",
             "Your tickets are attached as a PDF; show the QR code at the door.", ""]
    lines += [f"  {t.ticket_number}  {t.name}" for t in order.tickets]
    msg = EmailMessage()
    msg["Subject"] = f"Your tickets for {event.title} (order {order.order_number})"
    msg["From"], msg["To"] = sender, mail.recipient
    msg["Date"], msg["Message-ID"] = formatdate(localtime=False), make_msgid(domain="tessera.hub")
    msg.set_content("\n".join(lines) + "\n")
    msg.add_attachment(render_order_pdf(session, order.order_number), maintype="application", subtype="pdf",
                       filename=f"tickets-{order.order_number}.pdf")
    return msg


def send(config: SmtpConfig, msg: EmailMessage) -> None:
    """Deliver `msg` over SMTP; raises OSError / smtplib.SMTPException on failure."""
    cls = smtplib.SMTP_SSL if config.ssl else smtplib.SMTP
    with cls(config.host, config.port, timeout=config.timeout) as smtp:
        if config.starttls and not config.ssl:
            smtp.starttls()
        if config.user:
            smtp.login(config.user, config.password)
        smtp.send_message(msg)


class Mailer:
    """Background sender of queued mails. `backoff` = (first retry delay, maximum delay) in seconds;
    attempt n waits min(max, first × 2^(n−1)). `lease` seconds protect a row while it is being sent.
    Start with `start()`, stop with `stop()`; `wake()` after queueing; `run_once()` sends what is due now."""

    def __init__(self, ledger: Ledger, smtp_url: str, *, backoff: tuple[float, float] = (2.0, 300.0),
                 poll: float = 30.0, lease: float = 120.0):
        self.ledger = ledger
        self.config = SmtpConfig.parse(smtp_url)
        self.backoff, self.poll, self.lease = backoff, poll, lease
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="hub-mailer", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def wake(self) -> None:
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
                delay = self._next_delay()
            except Exception:  # keep the sender alive whatever happens (the database may be briefly away)
                logger.exception("mailer round failed")
                delay = self.backoff[0]
            self._wake.wait(delay)
            self._wake.clear()

    def _next_delay(self) -> float:
        with self.ledger.uow(outbox=False) as uow:
            due = uow.session.scalar(select(func.min(HubMail.next_attempt)).where(HubMail.state == PENDING))
        if due is None:
            return self.poll
        return max(0.05, min(self.poll, (due - utcnow()).total_seconds()))

    def _claim(self, limit: int = 5) -> list[int]:
        """Lease up to `limit` due rows (compare-and-set on next_attempt, safe with several hub processes)."""
        now = utcnow()
        claimed = []
        with self.ledger.uow(outbox=False) as uow:
            s = uow.session
            rows = s.execute(select(HubMail.id, HubMail.next_attempt).where(
                HubMail.state == PENDING, HubMail.next_attempt <= now).order_by(HubMail.id).limit(limit)).all()
            for mail_id, due in rows:
                res = s.execute(update(HubMail).where(HubMail.id == mail_id, HubMail.next_attempt == due,
                                                      HubMail.state == PENDING)
                                .values(next_attempt=now + timedelta(seconds=self.lease)))
                if res.rowcount == 1:
                    claimed.append(mail_id)
            uow.commit()
        return claimed

    def run_once(self) -> int:
        """Send every mail due now; returns how many were delivered."""
        sent = 0
        for mail_id in self._claim():
            sent += self._deliver(mail_id)
        return sent

    def _deliver(self, mail_id: int) -> int:
        error = ""
        with self.ledger.uow(outbox=False) as uow:
            mail = uow.session.get(HubMail, mail_id)
            try:
                send(self.config, build_message(uow.session, mail, self.config.sender))
            except Exception as exc:  # SMTP down, refused, PDF failure: retry later, never drop
                error = f"{type(exc).__name__}: {exc}"[:2000]
        with self.ledger.uow(outbox=False) as uow:
            mail = uow.session.get(HubMail, mail_id)
            mail.attempts += 1
            now = utcnow()
            if error:
                delay = min(self.backoff[1], self.backoff[0] * 2 ** (mail.attempts - 1))
                mail.last_error, mail.next_attempt = error, now + timedelta(seconds=delay)
                logger.warning("mail %s to %s failed (attempt %d, retry in %.1fs): %s", mail.id,
                               mail.recipient, mail.attempts, delay, error)
            else:
                mail.state, mail.sent_at, mail.last_error = SENT, now, ""
                logger.info("mail %s (order %s) sent to %s", mail.id, mail.order_number, mail.recipient)
            uow.commit()
        return 0 if error else 1
