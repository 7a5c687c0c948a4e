"""/residents: staff and coordinators see how many residents joined in their area."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import callbacks
from bot.auth import refuse, requires, villages_in_scope
from bot.callbacks import Feature
from bot.context import QatysuApp, QatysuContext
from bot.i18n import button_label, sort_key
from bot.share import SOURCES, UNTAGGED
from storage import people
from storage.models import Role

FEATURE = Feature.RESIDENTS
ROLES = (Role.STAFF, Role.COORDINATOR)


@requires(*ROLES)
async def show_residents(update: Update, context: QatysuContext) -> None:
    """Count residents per district of the user's area, with a button per district."""
    assert update.effective_user is not None and update.effective_message is not None
    tr = context.tr
    if update.callback_query is not None:
        await update.callback_query.answer()
    villages = await villages_in_scope(context, update.effective_user.id, ROLES)
    if not villages:
        await update.effective_message.reply_text(tr.t("residents.none"))
        return
    codes = {v.code for v in villages}
    counts = [
        c for c in await people.count_by_village(context.services.db) if c.village.code in codes
    ]
    by_district: dict[str, tuple[str, int]] = {}
    for count in counts:
        name = count.village.district_names.get(tr.language)
        _, total = by_district.get(count.village.district_code, (name, 0))
        by_district[count.village.district_code] = (name, total + count.total)
    lines = [tr.t("residents.title", total=tr.nt("residents.count", sum(c.total for c in counts)))]
    lines += [
        tr.t("residents.district_title", district=name, total=tr.nt("residents.count", total))
        for name, total in sorted(by_district.values(), key=lambda item: sort_key(item[0]))
    ]
    lines += await source_lines(context, sorted(codes))
    lines += ["", tr.t("residents.choose_district")]
    buttons = [
        [
            InlineKeyboardButton(
                button_label(name), callback_data=callbacks.build(FEATURE, "dis", code)
            )
        ]
        for code, (name, _) in sorted(by_district.items(), key=lambda item: sort_key(item[1][0]))
    ]
    await update.effective_message.reply_text(
        "\n".join(lines), reply_markup=InlineKeyboardMarkup(buttons)
    )


async def source_lines(context: QatysuContext, codes: list[str]) -> list[str]:
    """How many of these villages' residents joined from paper, WhatsApp, another link, or none."""
    tr = context.tr
    counts = await people.count_by_source(context.services.db, codes)
    if not counts:
        return []
    lines = ["", tr.t("residents.sources")]
    for source in (*SOURCES, UNTAGGED, None):
        if counts.get(source):
            key = f"residents.source.{source or 'none'}"
            lines.append(tr.t(key, count=tr.number(counts[source])))
    return lines


@requires(*ROLES)
async def show_district(update: Update, context: QatysuContext) -> None:
    """Count residents per village of one district, only for villages in the user's area."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    tr = context.tr
    district_code = callbacks.parse(query.data).arg(0)
    villages = await villages_in_scope(context, update.effective_user.id, ROLES, district_code)
    if not villages:
        await refuse(update, context, "auth.out_of_scope", f"district {district_code!r}")
        return
    await query.answer()
    codes = {v.code for v in villages}
    counts = [
        c
        for c in await people.count_by_village(context.services.db, district_code)
        if c.village.code in codes
    ]
    lines = [villages[0].district_names.get(tr.language)]
    lines += [
        tr.t(
            "residents.line",
            name=c.village.names.get(tr.language),
            count=tr.nt("residents.count", c.total),
        )
        for c in sorted(counts, key=lambda c: sort_key(c.village.names.get(tr.language)))
    ]
    await query.edit_message_text("\n".join(lines))


def register(app: QatysuApp) -> None:
    """Register /residents and its buttons."""
    app.add_handler(CommandHandler("residents", show_residents))
    app.add_handler(
        CallbackQueryHandler(show_residents, pattern=callbacks.matches(Feature.MENU, "residents"))
    )
    app.add_handler(CallbackQueryHandler(show_district, pattern=callbacks.matches(FEATURE, "dis")))
