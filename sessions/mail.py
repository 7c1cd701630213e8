"""The convocation e-mail, with its PDF and iCalendar attachments."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils.translation import gettext as _

from .documents import convocation_lines, render_ics
from .models import ConvocationRecipient


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
