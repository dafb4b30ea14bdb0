"""The outside world: e-mail through Django's mail API, IM robots over HTTP.

Every function here either returns (the message was accepted) or raises
``DeliveryError`` with a short, loggable reason.
"""

import base64
import hashlib
import hmac
import time
from urllib.parse import quote_plus

import httpx
from django.conf import settings
from django.core.mail import EmailMultiAlternatives


class DeliveryError(Exception):
    """The message was not accepted; the reason goes to ``Delivery.last_error``."""


def send_email(*, to: str, subject: str, text: str, html: str = "") -> None:
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to])
    if html:
        message.attach_alternative(html, "text/html")
    try:
        sent = message.send(fail_silently=False)
    except Exception as error:  # SMTP, socket and backend errors all mean "not accepted"
        raise DeliveryError(f"{type(error).__name__}: {error}") from error
    if sent != 1:
        raise DeliveryError("the mail backend accepted no message")


def dingtalk_signed_url(url: str, secret: str, timestamp_ms: int | None = None) -> str:
    """The webhook URL with DingTalk's ``timestamp`` and ``sign`` (HMAC-SHA256 of
    ``"{timestamp}\\n{secret}"`` keyed by the secret, base64, URL-encoded)."""
    timestamp = timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = quote_plus(base64.b64encode(digest).decode())
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}timestamp={timestamp}&sign={sign}"


def wecom_payload(*, title: str, text: str) -> dict:
    return {"msgtype": "markdown", "markdown": {"content": f"**{title}**\n{text}"}}


def dingtalk_payload(*, title: str, text: str) -> dict:
    return {"msgtype": "markdown", "markdown": {"title": title, "text": f"#### {title}\n{text}"}}


def post_robot(*, provider: str, url: str, secret: str, title: str, text: str) -> None:
    """POST a markdown message to a WeCom or DingTalk group robot."""
    if provider == "dingtalk":
        payload = dingtalk_payload(title=title, text=text)
        if secret:
            url = dingtalk_signed_url(url, secret)
    else:
        payload = wecom_payload(title=title, text=text)
    try:
        response = httpx.post(url, json=payload, timeout=settings.MESSAGING_HTTP_TIMEOUT)
    except httpx.HTTPError as error:
        raise DeliveryError(f"{type(error).__name__}: {error}") from error
    if not response.is_success:
        raise DeliveryError(f"HTTP {response.status_code}: {response.text[:200]}")
    try:
        body = response.json()
    except ValueError:
        body = {}
    errcode = body.get("errcode", 0) if isinstance(body, dict) else 0
    if errcode not in (0, "0"):
        raise DeliveryError(f"errcode {errcode}: {body.get('errmsg', '')}"[:300])
