"""What the broadcast engine sends for polls: the announcement, the reminder, the results.

Each renderer reads only the broadcast's payload (the poll as it was when the broadcast was
made), so a restart renders the same message again.
"""

from __future__ import annotations

import logging
from pathlib import Path

from bot.broadcast.engine import Outgoing
from bot.i18n import Translator
from bot.polls import chart as poll_chart
from bot.polls import texts
from bot.polls.service import poll_of
from storage.broadcasts import Broadcast
from storage.models import Names
from storage.polls import Results
from storage.protocols import Protocol

_LOGGER = logging.getLogger(__name__)


async def render_announcement(broadcast: Broadcast, tr: Translator) -> Outgoing:
    """The poll with its vote buttons."""
    poll = poll_of(broadcast.payload)
    return Outgoing(text=texts.announcement(tr, poll), markup=texts.keyboard(tr, poll))


async def render_reminder(broadcast: Broadcast, tr: Translator) -> Outgoing:
    """The poll again, under a reminder that it closes soon."""
    poll = poll_of(broadcast.payload)
    header = tr.t("poll.reminder", when=tr.datetime(poll.closes_at))
    text = f"{header}\n\n{texts.announcement(tr, poll)}"
    return Outgoing(text=text, markup=texts.keyboard(tr, poll))


async def render_results(broadcast: Broadcast, tr: Translator) -> Outgoing:
    """The counts with turnout as a caption, under the bar chart in the reader's language."""
    payload = broadcast.payload
    poll = poll_of(payload)
    results = Results.from_dict(payload["results"])
    names = {code: Names(**value) for code, value in payload.get("names", {}).items()}
    protocols = [Protocol.from_dict(item) for item in payload.get("protocols", [])]
    text = texts.results_text(tr, poll, results, names, protocols)
    try:
        path = await poll_chart.chart(Path(payload["charts"]), tr, poll, results)
    except Exception:  # no chart is better than no results
        _LOGGER.exception("Chart of poll %s not drawn", poll.id)
        return Outgoing(text=text)
    return Outgoing(text=text, photo=path)  # a Path: uploaded once, then sent by its file id
