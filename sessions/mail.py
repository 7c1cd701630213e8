"""The convocation e-mail, with its PDF and iCalendar attachments, and the clerk's reading
of what the mail server answered when it did not take one."""

from __future__ import annotations

import smtplib
import socket
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from .documents import convocation_lines, render_ics
from .models import ConvocationRecipient, CouncillorCopy


def acknowledgement_url(recipient: ConvocationRecipient) -> str:
    path = reverse("convocation-ack", kwargs={"token": recipient.token})
    return settings.SEANCE_PUBLIC_URL.rstrip("/") + path


def send_convocation_email(recipient: ConvocationRecipient) -> None:
    convocation = recipient.convocation
    sitting = convocation.sitting
    words = convocation_lines(sitting)
    body = [
        _("Dear %(name)s,") % {"name": recipient.member.full_name},
        "",
        _("You are invited to attend the sitting “%(title)s” on %(when)s, at %(place)s.") % words,
    ]
    if words["teleconference"]:
        body += ["", words["teleconference"]]
    body += [
        "",
        _("Agenda:"),
        *words["items"],
        "",
        _("Please confirm receipt and read the papers here:"),
        acknowledgement_url(recipient),
        "",
        f"{words['signer']}, {words['signer_capacity']}",
        _("Register entry %(n)s") % {"n": convocation.register_number},
    ]
    message = EmailMessage(
        subject=_("Convocation: %(title)s") % {"title": sitting.title},
        body="\n".join(body),
        to=[recipient.email],
    )
    message.attach(f"convocation-{sitting.pk}.pdf", convocation.pdf.read(), "application/pdf")
    convocation.pdf.seek(0)
    message.attach(f"seance-{sitting.pk}.ics", render_ics(sitting), "text/calendar")
    message.send(fail_silently=False)


def copy_acknowledgement_url(copy: CouncillorCopy) -> str:
    path = reverse("councillor-copy-ack", kwargs={"token": copy.token})
    return settings.SEANCE_PUBLIC_URL.rstrip("/") + path


def _copy_words(copy: CouncillorCopy) -> tuple[str, str]:
    """R32: the copy's subject and its opening line, by kind."""
    sitting = copy.sitting
    K = CouncillorCopy.Kind
    intro = {
        K.CONVOCATION: _(
            "As a municipal councillor of %(commune)s, a member of %(epci)s, you receive a "
            "copy of the convocation sent to the community councillors (article L5211-40-2 "
            "of the CGCT)."
        ),
        K.LIST: _(
            "As a municipal councillor of %(commune)s, a member of %(epci)s, you receive the "
            "list of the deliberations examined by its council (article L5211-40-2 of the CGCT)."
        ),
        K.MINUTES: _(
            "As a municipal councillor of %(commune)s, a member of %(epci)s, you receive the "
            "minutes of its council's sitting, as adopted (article L5211-40-2 of the CGCT)."
        ),
    }[K(copy.kind)] % {"commune": copy.councillor.commune.name, "epci": sitting.assembly.name}
    subject = {
        K.CONVOCATION: _("Copy of the convocation: %(title)s"),
        K.LIST: _("List of deliberations: %(title)s"),
        K.MINUTES: _("Minutes: %(title)s"),
    }[K(copy.kind)] % {"title": sitting.title}
    return subject, intro


def _attach_copy_document(message: EmailMessage, copy: CouncillorCopy) -> None:
    """The published document the copy is of, or the convocation's PDF."""
    sitting = copy.sitting
    if copy.publication is not None:
        document = copy.publication.document
        message.attach(f"{copy.kind}-{sitting.pk}.pdf", document.read(), "application/pdf")
        document.close()
    elif copy.kind == CouncillorCopy.Kind.CONVOCATION:
        pdf = sitting.convocation.pdf
        message.attach(f"convocation-{sitting.pk}.pdf", pdf.read(), "application/pdf")
        pdf.close()


def send_councillor_copy_email(copy: CouncillorCopy) -> None:
    """R32: the copy sent to a member commune's councillor who does not sit in the EPCI's
    council, with the document attached and the per-recipient link as proof of opening."""
    words = convocation_lines(copy.sitting)
    subject, intro = _copy_words(copy)
    body = [
        _("Dear %(name)s,") % {"name": copy.councillor.full_name},
        "",
        intro,
        "",
        _("Sitting “%(title)s” on %(when)s, at %(place)s.") % words,
    ]
    if copy.kind == CouncillorCopy.Kind.CONVOCATION:
        body += ["", _("Agenda:"), *words["items"]]
    body += [
        "",
        _("Please confirm receipt and read the document here:"),
        copy_acknowledgement_url(copy),
    ]
    message = EmailMessage(subject=subject, body="\n".join(body), to=[copy.email])
    _attach_copy_document(message, copy)
    message.send(fail_silently=False)


@dataclass(frozen=True)
class DeliveryFailure:
    """Why the mail server did not take a message, for the clerk; `permanent` when the
    server's answer says that trying again will not help (RFC 5321 §4.2.1: 5yz)."""

    message: str
    permanent: bool


def delivery_failure(exc: Exception) -> DeliveryFailure:
    """The clerk's reading of an SMTP or network error (in the site's language)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _reading(exc)


def _reading(exc: Exception) -> DeliveryFailure:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, answer = next(iter(exc.recipients.values()), (0, b""))
        return _answered(_("The mail server refused the address"), code, answer)
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return _answered(_("The mail server refused the sender"), exc.smtp_code, exc.smtp_error)
    if isinstance(exc, smtplib.SMTPResponseException):
        return _answered(_("The mail server refused the message"), exc.smtp_code, exc.smtp_error)
    if isinstance(exc, smtplib.SMTPServerDisconnected) and not isinstance(
        exc.__context__,
        TimeoutError,  # smtplib reports a read that timed out so
    ):
        return DeliveryFailure(_("The mail server closed the connection."), permanent=False)
    if isinstance(exc, TimeoutError | smtplib.SMTPServerDisconnected):
        return DeliveryFailure(_("The mail server did not answer in time."), permanent=False)
    if isinstance(exc, ConnectionError | socket.gaierror):
        return DeliveryFailure(
            _("The mail server could not be reached (%(error)s).") % {"error": exc},
            permanent=False,
        )
    return DeliveryFailure(
        _("The message could not be sent (%(error)s).") % {"error": exc}, permanent=False
    )


def _answered(what: str, code: int, answer: bytes | str) -> DeliveryFailure:
    text = answer.decode(errors="replace") if isinstance(answer, bytes) else answer
    permanent = 500 <= code < 600
    verdict = _("permanent refusal") if permanent else _("temporary refusal")
    return DeliveryFailure(f"{what} ({verdict}, {code} {text})."[:300], permanent=permanent)
