"""Every write of the sittings app. Views, consumers, API, tasks and commands call these."""

from .agenda import (
    document_attach,
    item_add,
    item_matter_set,
    item_remove,
    sitting_create,
    sitting_update,
)
from .attendance import attendance_record, interest_declare, interest_withdraw
from .convocation import (
    convocation_acknowledge,
    convocation_check,
    convocation_deliver,
    convocation_notice,
    convocation_resend,
    convocation_send,
)
from .media_presence import media_connected, media_left, media_lost, media_sweep
from .policing import member_call_to_order, member_expel
from .proxies import proxy_grant, proxy_revoke
from .running import (
    closed_session_decided,
    closed_session_leave,
    item_take_up,
    secretary_name,
    sitting_adjourn_for_quorum,
    sitting_close,
    sitting_open,
    sitting_resume,
    sitting_suspend,
    urgency_decide,
)
from .speaking import floor_end, floor_give, hand_lower, hand_raise

__all__ = [
    "attendance_record",
    "closed_session_decided",
    "closed_session_leave",
    "convocation_acknowledge",
    "convocation_check",
    "convocation_deliver",
    "convocation_notice",
    "convocation_resend",
    "convocation_send",
    "document_attach",
    "floor_end",
    "floor_give",
    "hand_lower",
    "hand_raise",
    "interest_declare",
    "interest_withdraw",
    "item_add",
    "item_matter_set",
    "item_remove",
    "item_take_up",
    "media_connected",
    "media_left",
    "media_lost",
    "media_sweep",
    "member_call_to_order",
    "member_expel",
    "proxy_grant",
    "proxy_revoke",
    "secretary_name",
    "sitting_adjourn_for_quorum",
    "sitting_close",
    "sitting_create",
    "sitting_open",
    "sitting_resume",
    "sitting_suspend",
    "sitting_update",
    "urgency_decide",
]
