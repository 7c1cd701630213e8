"""The members who make a request of the council: a roll call (R17), a secret ballot (R18),
a closed session (R25). The law counts members present; an id that names nobody, a member
of another assembly, or a member not present is refused, never dropped or counted."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from council.errors import InvalidInput
from council.models import Member
from sessions.errors import SittingErrorCode

from ..models import Sitting
from ..selectors import presence


def present_requesters(sitting: Sitting, ids: Iterable[int], *, field: str) -> list[Member]:
    """The members named by `ids` (each counted once, in the order given), all members of
    the sitting's assembly present now; InvalidInput naming the first refused otherwise."""
    wanted = list(dict.fromkeys(ids))
    found = {m.id: m for m in sitting.assembly.members.filter(pk__in=wanted)}
    unknown = [i for i in wanted if i not in found]
    if unknown:
        raise InvalidInput(
            _("No member of this council has the id %(id)s.") % {"id": unknown[0]},
            code=SittingErrorCode.UNKNOWN_MEMBER,
            field=field,
            ids=unknown[:20],
        )
    present = presence(sitting)
    absent = [found[i] for i in wanted if i not in present]
    if absent:
        raise InvalidInput(
            _("%(name)s is not present: only members present make this request.")
            % {"name": absent[0].full_name},
            code=SittingErrorCode.REQUESTER_ABSENT,
            field=field,
            ids=[m.id for m in absent[:20]],
        )
    return [found[i] for i in wanted]
