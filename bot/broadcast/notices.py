"""Free notices staff send to the residents of their villages."""

from __future__ import annotations

from bot.broadcast.engine import Outgoing
from bot.i18n import Translator
from storage.broadcasts import Broadcast

KIND = "notice"
MAX_TEXT = 3500  # leaves room for the header within Telegram's 4,096
MAX_CAPTION = 900  # leaves room for the header within Telegram's 1,024


async def render(broadcast: Broadcast, tr: Translator) -> Outgoing:
    """A notice as staff typed it, under a header in the resident's language."""
    payload = broadcast.payload
    text = f"{tr.t('notice.header')}\n\n{payload.get('text', '')}"
    return Outgoing(text=text.strip(), photo=payload.get("photo"), document=payload.get("document"))
