"""/inbox by place: staff of several villages narrow their inbox to one rural okrug (in one tap)
or one village, and back to all of them.

The choice is kept as the person's ``inbox_place`` draft (forgotten with untouched drafts after
``DIALOG_TIMEOUT_HOURS``: the inbox then shows every village again). It only ever narrows what
the staff member's own scopes show, and is checked against them on every read and every tap.
Callback data: ``v1:inb:where:<page>`` lists the places, ``in:o:<okrug>`` and ``in:v:<village>``
choose one, ``inall`` goes back to all.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import InlineKeyboardButton, Update
from telegram.ext import CallbackQueryHandler

from bot import callbacks
from bot.auth import refuse, requires, villages_in_scope
from bot.callbacks import Feature
from bot.context import QatysuApp, QatysuContext
from handlers.widgets import keyboards
from handlers.widgets.keyboards import button
from handlers.widgets.village_picker import row_label, rows_of
from storage import drafts
from storage.models import Role, Scope, ScopeKind, Village

FEATURE = Feature.INBOX
DRAFT = "inbox_place"
KINDS = {"o": ScopeKind.OKRUG, "v": ScopeKind.VILLAGE}


def _matches(place: Scope, village: Village) -> bool:
    return place.covers(village) and place.kind in KINDS.values()


async def area(context: QatysuContext, telegram_id: int) -> list[Village]:
    """The villages whose items this staff member works."""
    return await villages_in_scope(context, telegram_id, (Role.STAFF,))


async def stored(context: QatysuContext, telegram_id: int) -> Scope | None:
    """The okrug or village the inbox was narrowed to. It only ever narrows: the staff member's
    own scopes still decide which items they see."""
    draft = await drafts.load(context.services.db, telegram_id, DRAFT)
    try:
        return Scope(ScopeKind(draft.get("kind", "")), str(draft.get("code", "")))
    except ValueError:
        return None


async def chosen(context: QatysuContext, telegram_id: int, villages: list[Village]) -> Scope | None:
    """The stored place while it is still in the area; one that left it is forgotten."""
    place = await stored(context, telegram_id)
    if place is None or any(_matches(place, v) for v in villages):
        return place
    await drafts.drop(context.services.db, telegram_id, DRAFT)
    return None


def place_button(
    context: QatysuContext, villages: list[Village], place: Scope | None
) -> list[InlineKeyboardButton]:
    """The inbox's "📍 where" button (a row): none for staff of a single village."""
    if len(villages) < 2:
        return []
    tr = context.tr
    name = tr.t("inbox.place_all")
    for village in villages if place is not None else []:
        if place is not None and _matches(place, village):
            names = village.okrug_names if place.kind is ScopeKind.OKRUG else village.names
            name = names.get(tr.language) if names is not None else place.code
            break
    return [button(tr.t("inbox.place", place=name), FEATURE, "where", 0)]


@requires(Role.STAFF)
async def ask_place(update: Update, context: QatysuContext) -> None:
    """List the okrugs (each in one tap) and villages of the area, a page at a time."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    tr = context.tr
    await query.answer()
    villages = await area(context, update.effective_user.id)
    choices = [(tr.t("inbox.place_all"), callbacks.build(FEATURE, "inall"))]
    for row in rows_of(tr, villages):
        data = callbacks.build(FEATURE, "in", "o" if row.okrug else "v", row.code)
        choices.append((row_label(tr, row), data))
    markup = keyboards.paged(
        tr,
        choices,
        callbacks.parse(query.data).int_arg(0),
        lambda page: callbacks.build(FEATURE, "where", page),
        back=(tr.t("inbox.back"), callbacks.build(FEATURE, "home")),
    )
    await query.edit_message_text(tr.t("inbox.choose_place"), reply_markup=markup)


def register(app: QatysuApp, home: Callable[[Update, QatysuContext], Awaitable[None]]) -> None:
    """Register the place buttons; choosing one shows the inbox's ``home`` again."""

    @requires(Role.STAFF)
    async def choose(update: Update, context: QatysuContext) -> None:
        """Narrow the inbox to the tapped okrug or village (of the area), or show all again."""
        query = update.callback_query
        assert query is not None and update.effective_user is not None
        user_id = update.effective_user.id
        parsed = callbacks.parse(query.data)
        db = context.services.db
        if parsed.action == "inall":
            await drafts.drop(db, user_id, DRAFT)
            await home(update, context)
            return
        kind = KINDS.get(parsed.arg(0))
        place = Scope(kind, parsed.arg(1)) if kind is not None else None
        villages = await area(context, user_id)
        if place is None or not any(_matches(place, v) for v in villages):
            await refuse(update, context, "auth.out_of_scope", f"inbox place {parsed.args}")
            return
        await drafts.save(db, user_id, DRAFT, {"kind": place.kind.value, "code": place.code})
        await home(update, context)

    app.add_handler(CallbackQueryHandler(ask_place, pattern=callbacks.matches(FEATURE, "where")))
    app.add_handler(CallbackQueryHandler(choose, pattern=callbacks.matches(FEATURE, "in", "inall")))
