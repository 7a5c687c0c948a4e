"""Free notices staff send to the residents of their villages."""

from __future__ import annotations

from bot.broadcast.engine import Outgoing
from bot.i18n import Translator
from storage.broadcasts import Broadcast
from storage.versions import Versions

KIND = "notice"
MAX_TEXT = 3500  # leaves room for the header within Telegram's 4,096
MAX_CAPTION = 900  # leaves room for the header within Telegram's 1,024


async def render(broadcast: Broadcast, tr: Translator) -> Outgoing:
    """A notice as staff typed it (their version in the resident's language, when they added
    one), under a header in the resident's language."""
    payload = broadcast.payload
    words = Versions.of(payload.get("versions")).pick(
        tr.language, "text", payload.get("text") or ""
    )
    text = f"{tr.t('notice.header')}\n\n{words}"
    return Outgoing(text=text.strip(), photo=payload.get("photo"), document=payload.get("document"))
