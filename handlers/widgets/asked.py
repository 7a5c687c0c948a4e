"""The question just asked outside any dialog: what a typed «иә», «жоқ» or number answers.

A question with ✅ / ✖ buttons (send these words? move to that village? this vote?) is noted
here with what it is about; :mod:`handlers.loose` reads it when the answer is typed instead of
tapped. A draft row, so a restart keeps it; it lapses after :data:`LIFETIME`, after which a
typed «иә» is read afresh.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.context import QatysuContext
from storage import drafts
from storage.db import from_db_time, to_db_time, utcnow

DRAFT = "asked"
LIFETIME = timedelta(hours=1)


async def ask(context: QatysuContext, user_id: int, kind: str, **about: Any) -> None:
    """Note that ``kind`` was just asked (``about``: JSON values it needs to be answered)."""
    await drafts.save(
        context.services.db, user_id, DRAFT, {"ask": kind, "at": to_db_time(utcnow()), **about}
    )


async def current(context: QatysuContext, user_id: int) -> dict[str, Any] | None:
    """The question still waiting for a typed answer, if any."""
    asked = await drafts.load(context.services.db, user_id, DRAFT)
    at = asked.get("at")
    if not asked or not isinstance(at, str) or from_db_time(at) < utcnow() - LIFETIME:
        return None
    return asked


async def forget(context: QatysuContext, user_id: int) -> None:
    """The question was answered (or no longer stands)."""
    await drafts.drop(context.services.db, user_id, DRAFT)
