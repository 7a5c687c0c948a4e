"""How the broadcasts only meetings have read: the signed protocol, the answers to questions
asked in advance, and the notice to those whose questions a cancellation closed."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from telegram import Bot

from bot.broadcast.engine import Outgoing, Renderer
from bot.hearings.service import QUESTIONS_CLOSED
from bot.i18n import Translator
from bot.meetings import texts
from bot.meetings.service import ANSWERS, PROTOCOL
from storage import hearings, meetings
from storage.broadcasts import Broadcast
from storage.hearings import Hearing

if TYPE_CHECKING:
    from bot.context import Services


def renderers(bot: Bot, services: Services) -> dict[str, Renderer]:
    """How each kind of meeting broadcast reads, in each resident's language."""

    async def load(broadcast: Broadcast) -> Hearing:
        assert broadcast.ref_id is not None
        hearing = await hearings.get(services.db, broadcast.ref_id)
        if hearing is None:
            raise LookupError(f"meeting {broadcast.ref_id} is gone")
        return hearing

    async def protocol(broadcast: Broadcast, tr: Translator) -> Outgoing:
        hearing = await load(broadcast)
        caption = texts.protocol_caption(tr, hearing)
        if hearing.protocol_kind == "photo":
            return Outgoing(caption, photo=hearing.protocol_file_id)
        return Outgoing(caption, document=hearing.protocol_file_id)

    async def answers(broadcast: Broadcast, tr: Translator) -> Outgoing:
        hearing = await load(broadcast)
        given = await meetings.answers_of(services.db, hearing.id)
        asked = Counter(q.theme for q in await meetings.questions_of(services.db, hearing.id))
        return Outgoing(texts.answers(tr, hearing, given, asked))

    async def questions_closed(broadcast: Broadcast, tr: Translator) -> Outgoing:
        hearing = await load(broadcast)
        reason = broadcast.payload.get("reason")
        return Outgoing(
            texts.questions_closed(tr, hearing, reason if isinstance(reason, str) else None)
        )

    return {PROTOCOL: protocol, ANSWERS: answers, QUESTIONS_CLOSED: questions_closed}
