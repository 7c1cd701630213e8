"""Proxies (pouvoirs, R14-R15): written, as many per holder as the regime allows (one; two
in the historical regime, R13), at most three consecutive sittings."""

from __future__ import annotations

import secrets

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from council.domain_events import ProxyChanged, publish
from council.models import Member
from council.regime import regime_for
from sessions.errors import SittingErrorCode

from ..documents import render_proxy_pdf
from ..errors import ProxyRefused
from ..models import Proxy, ProxyCover, Sitting
from .agenda import pdf_checked
from .common import User, actor, lock_each, log, require_in_office
from .files import files_undone_on_failure

OPEN_TO_PROXIES = (
    Sitting.State.DRAFT,
    Sitting.State.CONVENED,
    Sitting.State.OPEN,
    Sitting.State.SUSPENDED,
)


def _check_consecutive(sittings: list[Sitting], illness: bool) -> None:
    regime = regime_for(sittings[0].assembly)
    if any(s.assembly_id != sittings[0].assembly_id for s in sittings):
        raise ProxyRefused(
            _("A proxy covers sittings of one assembly."), code=SittingErrorCode.MIXED_ASSEMBLIES
        )
    if any(s.state not in OPEN_TO_PROXIES for s in sittings):
        raise ProxyRefused(
            _("A proxy cannot cover a closed sitting."), code=SittingErrorCode.SITTING_CLOSED
        )
    if not regime.proxy_run_allowed(len(sittings), illness=illness):
        raise ProxyRefused(
            _(
                "A proxy is valid for at most %(n)s consecutive sittings, except for a duly "
                "established illness."
            )
            % {"n": regime.proxy_max_consecutive_sittings},
            code=SittingErrorCode.TOO_MANY_SITTINGS,
        )
    if illness:
        return
    ordered = sorted(sittings, key=lambda s: s.starts_at)
    between = Sitting.objects.filter(
        assembly_id=ordered[0].assembly_id,
        starts_at__gt=ordered[0].starts_at,
        starts_at__lt=ordered[-1].starts_at,
    ).exclude(pk__in=[s.pk for s in sittings])
    if between.exists():
        raise ProxyRefused(
            _("The sittings covered must be consecutive."), code=SittingErrorCode.NOT_CONSECUTIVE
        )


def _covered_before(grantor: Member, first: Sitting) -> int:
    """Consecutive earlier sittings already covered by the grantor's proxies."""
    earlier = Sitting.objects.filter(
        assembly_id=first.assembly_id, starts_at__lt=first.starts_at
    ).order_by("-starts_at")
    run = 0
    for sitting in earlier:
        if not ProxyCover.objects.filter(
            sitting=sitting, grantor=grantor, active=True, proxy__illness=False
        ).exists():
            break
        run += 1
    return run


def proxy_grant(
    *,
    grantor: Member,
    holder: Member,
    sittings: list[Sitting],
    user: User,
    document: UploadedFile | None = None,
    illness: bool = False,
) -> Proxy:
    """R14-R15. Every rule is checked before the written proxy is stored: the uploaded
    PDF (or the one made from the request) is written last, inside the transaction, and
    removed again if the transaction does not commit (files.py)."""
    # A damaged or oversized PDF is refused before anything is read or written.
    sha = pdf_checked(document)[1] if document is not None else ""
    with files_undone_on_failure() as written, transaction.atomic():
        lock_each(sittings)  # R14: the count of a holder's proxies is read and written alone
        proxy = Proxy(grantor=grantor, holder=holder, illness=illness, created_by=actor(user))
        _check_grant(proxy, sittings)
        if document is not None:
            written.save(proxy.document, f"{sha[:16]}.pdf", document)
        else:
            at = timezone.now()
            pdf = render_proxy_pdf(grantor=grantor, holder=holder, sittings=sittings, at=at)
            name = f"{secrets.token_hex(8)}.pdf"  # never a guessable path
            written.save(proxy.document, name, ContentFile(pdf))
        proxy.save()
        for sitting in sittings:
            _cover(proxy, sitting)
        for sitting in sittings:
            log(
                sitting, "proxy_granted", user, proxy=proxy.id, grantor=grantor.id, holder=holder.id
            )
            publish(ProxyChanged(sitting.id, proxy=proxy.id))
        return proxy


def _check_grant(proxy: Proxy, sittings: list[Sitting]) -> None:
    grantor, holder, illness = proxy.grantor, proxy.holder, proxy.illness
    if not sittings:
        raise ProxyRefused(
            _("Choose the sittings the proxy covers."), code=SittingErrorCode.NO_SITTING
        )
    if grantor.pk == holder.pk:
        raise ProxyRefused(
            _("A member cannot give a proxy to themselves."), code=SittingErrorCode.SELF_PROXY
        )
    for sitting in sittings:
        require_in_office(sitting, grantor)
        require_in_office(sitting, holder)
    _check_consecutive(sittings, illness)
    regime = regime_for(grantor.assembly)
    first = min(sittings, key=lambda s: s.starts_at)
    if not regime.proxy_run_allowed(
        _covered_before(grantor, first) + len(sittings), illness=illness
    ):
        raise ProxyRefused(
            _("This would make more than %(n)s consecutive sittings on proxy.")
            % {"n": regime.proxy_max_consecutive_sittings},
            code=SittingErrorCode.TOO_MANY_SITTINGS,
        )
    for sitting in sittings:
        _check_free(sitting, grantor, holder)


def _check_free(sitting: Sitting, grantor: Member, holder: Member) -> int:
    """R14: one proxy given by a member per sitting, and at most the regime's
    `proxies_per_holder` held (R13: two in the historical regime). Returns the holder's
    first free slot."""
    if ProxyCover.objects.filter(sitting=sitting, grantor=grantor, active=True).exists():
        raise ProxyRefused(
            _("%(name)s has already given a proxy for this sitting.") % {"name": grantor},
            code=SittingErrorCode.GRANTOR_HAS_PROXY,
        )
    regime = regime_for(sitting.assembly)
    taken = set(
        ProxyCover.objects.filter(sitting=sitting, holder=holder, active=True).values_list(
            "slot", flat=True
        )
    )
    if not regime.holder_may_take(len(taken)):
        if regime.proxies_per_holder == 1:
            message = _("%(name)s already holds a proxy for this sitting: a member holds only one.")
        else:
            message = _(
                "%(name)s already holds %(n)s proxies for this sitting, the most a member may hold."
            )
        raise ProxyRefused(
            message % {"name": holder, "n": len(taken)},
            code=SittingErrorCode.HOLDER_HAS_PROXY,
        )
    return min(set(range(1, regime.proxies_per_holder + 1)) - taken)


def _cover(proxy: Proxy, sitting: Sitting) -> None:
    """Checked again when the row is written, under the sittings' row locks taken by
    proxy_grant; the unique slots catch what a lock could not (SQLite has none)."""
    slot = _check_free(sitting, proxy.grantor, proxy.holder)
    try:
        with transaction.atomic():
            ProxyCover.objects.create(
                proxy=proxy, sitting=sitting, grantor=proxy.grantor, holder=proxy.holder, slot=slot
            )
    except IntegrityError:
        raise ProxyRefused(
            _("Another proxy was recorded at the same time for this sitting."),
            code=SittingErrorCode.HOLDER_HAS_PROXY,
        ) from None


@transaction.atomic
def proxy_revoke(*, proxy: Proxy, user: User) -> Proxy:
    """R14: revocable at any time, for the sittings still to come or under way."""
    if proxy.revoked_at is not None:
        raise ProxyRefused(
            _("This proxy is already revoked."), code=SittingErrorCode.ALREADY_REVOKED
        )
    proxy.revoked_at = timezone.now()
    proxy.save(update_fields=["revoked_at"])
    covers = proxy.covers.filter(active=True).exclude(sitting__state=Sitting.State.CLOSED)
    sittings = [c.sitting for c in covers.select_related("sitting__assembly")]
    lock_each(sittings)  # as every change of who is present or represented (sitting_facts)
    covers.update(active=False)
    for sitting in sittings:
        log(sitting, "proxy_revoked", user, proxy=proxy.id)
        publish(ProxyChanged(sitting.id, proxy=proxy.id))
    return proxy
