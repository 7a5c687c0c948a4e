"""Staff take a hearing or a poll beyond Telegram: papers for the notice board, text to share.

"📄 For the notice board" sends a PDF (Kazakh and Russian, each village's QR code); "📤 Share"
sends a text in both languages, with links tagged ``-wa``, to copy into WhatsApp or a village chat.
The buttons sit on the staff's hearing and poll cards. Each tap re-checks the role and scope (a
button can be forged) and covers only the villages this staff member covers.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, Update
from telegram.constants import ChatAction
from telegram.ext import CallbackQueryHandler

from bot import callbacks
from bot.auth import refuse, requires, villages_in_scope
from bot.callbacks import CallbackDataError, Feature
from bot.context import QatysuApp, QatysuContext
from bot.i18n import Translator
from bot.paper.service import PaperNotFoundError, Papers, papers_folder
from bot.share import bilingual, hearing_text, poll_text
from handlers.widgets.keyboards import button
from storage import hearings, polls, territory
from storage.hearings import Hearing
from storage.models import Role
from storage.polls import Poll

FEATURE = Feature.PAPER
KINDS = {"h": "hearing", "p": "poll"}
PRINT, SHARE = "pr", "sh"


def paper_buttons(tr: Translator, kind: str, item_id: int) -> list[InlineKeyboardButton]:
    """The "For the notice board" and "Share" row for a hearing (``h``) or poll (``p``) card."""
    return [
        button(tr.t("paper.button"), FEATURE, PRINT, kind, item_id),
        button(tr.t("share.button"), FEATURE, SHARE, kind, item_id),
    ]


async def _item(context: QatysuContext, kind: str, item_id: int) -> Hearing | Poll | None:
    db = context.services.db
    if kind == "h":
        return await hearings.get(db, item_id)
    return await polls.get(db, item_id) if kind == "p" else None


async def _tapped(
    update: Update, context: QatysuContext
) -> tuple[Hearing | Poll, list[str]] | None:
    """The tapped hearing or poll and its villages this staff member covers; else refuse."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    try:
        tap = callbacks.parse(query.data)
        kind, item_id = tap.arg(0), tap.int_arg(1)
    except CallbackDataError:
        kind, item_id = "", 0
    item = await _item(context, kind, item_id)
    if item is None:
        await refuse(update, context, "error.stale_button", f"no {kind!r} {item_id}")
        return None
    scope = await villages_in_scope(context, update.effective_user.id, (Role.STAFF,))
    covered = {village.code for village in scope}
    mine = [code for code in item.village_codes if code in covered]
    if not mine:
        await refuse(update, context, "auth.out_of_scope", f"{KINDS[kind]} {item_id} outside")
        return None
    return item, mine


@requires(Role.STAFF)
async def print_papers(update: Update, context: QatysuContext) -> None:
    """Send the PDF of the tapped hearing or poll, for the villages this staff member covers."""
    tapped = await _tapped(update, context)
    if tapped is None or update.callback_query is None or update.effective_chat is None:
        return
    item, villages = tapped
    await update.callback_query.answer(context.tr.t("paper.preparing"))
    chat_id = update.effective_chat.id
    services = context.services
    papers = Papers(
        services.db,
        services.i18n,
        context.bot.username,
        papers_folder(services.settings.database_path),
    )
    await context.bot.send_chat_action(chat_id, ChatAction.UPLOAD_DOCUMENT)
    try:
        if isinstance(item, Hearing):
            path = await papers.hearing(item.id, villages)
        else:
            path = await papers.poll(item.id, villages)
    except PaperNotFoundError:  # deleted between the tap and now
        await context.bot.send_message(chat_id, context.tr.t("error.stale_button"))
        return
    with path.open("rb") as document:
        await context.bot.send_document(
            chat_id, document, filename=path.name, caption=context.tr.t("paper.caption")
        )


@requires(Role.STAFF)
async def share(update: Update, context: QatysuContext) -> None:
    """Send the tapped hearing's or poll's share text, in Kazakh and Russian, with tagged links."""
    tapped = await _tapped(update, context)
    if tapped is None or update.callback_query is None or update.effective_chat is None:
        return
    item, codes = tapped
    await update.callback_query.answer()
    services = context.services
    villages = [v for code in codes if (v := await territory.get_village(services.db, code))]
    username = context.bot.username
    if isinstance(item, Hearing):
        hearing = item
        text = bilingual(services.i18n, lambda tr: hearing_text(tr, hearing), villages, username)
    else:
        poll = item
        results = await polls.results(services.db, poll) if poll.status != "open" else None
        text = bilingual(services.i18n, lambda tr: poll_text(tr, poll, results), villages, username)
    chat_id = update.effective_chat.id
    await context.bot.send_message(chat_id, context.tr.t("share.intro"))
    await context.bot.send_message(chat_id, text)


def register(app: QatysuApp) -> None:
    """Wire the notice-board and share buttons."""
    app.add_handler(CallbackQueryHandler(print_papers, pattern=callbacks.matches(FEATURE, PRINT)))
    app.add_handler(CallbackQueryHandler(share, pattern=callbacks.matches(FEATURE, SHARE)))
