"""Verification emails over SMTP (MailHog in `local`); without SMTP_HOST they go to the log instead."""

import logging
import smtplib
from email.message import EmailMessage

from src.config import settings

log = logging.getLogger("contravento.mail")


def send_verification(email: str, username: str, token: str) -> bool:
    """Sends the link that verifies `email`. Returns whether an SMTP server accepted it."""
    link = f"{settings.app_base_url}/auth/verify?token={token}"
    message = EmailMessage()
    message["Subject"] = "Verify your ContraVento account"
    message["From"] = settings.smtp_from
    message["To"] = email
    message.set_content(f"Hello {username},\n\nConfirm your email address to start your cycling diary:\n{link}\n")
    if not settings.smtp_host:
        log.warning("no SMTP_HOST: verification email for %s not sent; link: %s", email, link)
        return False
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as smtp:
            if settings.smtp_tls:
                smtp.starttls()
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password)
            smtp.send_message(message)
        return True
    except (OSError, smtplib.SMTPException) as e:
        log.error("verification email to %s failed via %s:%s: %s", email, settings.smtp_host, settings.smtp_port, e)
        return False
