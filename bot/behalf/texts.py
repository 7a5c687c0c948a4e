"""How entries for residents without Telegram read: the audit on an item, the previews."""

from __future__ import annotations

from telegram import InlineKeyboardButton

from bot import callbacks
from bot.appeals import texts as appeal_texts
from bot.auth import read_access
from bot.callbacks import Feature
from bot.context import Services
from bot.i18n import Translator
from bot.residents import verification
from storage import behalf as repo
from storage import territory
from storage.appeals import Appeal
from storage.behalf import Entry, HearingFigures
from storage.hearings import Hearing
from storage.models import Role, Village

FEATURE = Feature.BEHALF


def channel(tr: Translator, code: str) -> str:
    """A channel's label with its icon: «📞 Phone call»."""
    return tr.t(f"behalf.channel.{code}")


def audit(tr: Translator, entry: Entry, resident: str, *, show_phone: bool) -> list[str]:
    """«Entered by Aigerim for Nurlan, via 📞 a phone call, 12.03.2026 10:15», the phone (for
    the staff of the resident's village), and how answers reach the resident."""
    lines = [
        tr.t(
            "behalf.audit",
            staff=entry.entered_by_name or str(entry.entered_by),
            resident=resident,
            channel=channel(tr, entry.channel),
            when=tr.datetime(entry.entered_at),
        )
    ]
    if show_phone and entry.phone:
        lines.append(tr.t("behalf.phone_line", phone=verification.readable(entry.phone)))
    if entry.to_pass_on:
        lines.append(tr.t("behalf.pass_on"))
    return lines


async def staff_view(
    services: Services, tr: Translator, viewer: int | None, appeal: Appeal, card: str
) -> str:
    """The staff's card of an item with its audit under the title, when it was filed on a
    resident's behalf (the phone only for staff of the resident's village, ``viewer`` being
    the reader's Telegram id); the card as it is otherwise."""
    entry = await repo.entry_of(services.db, appeal.id)
    if entry is None:
        return card
    village = await territory.get_village(services.db, appeal.village_code)
    access = await read_access(services, viewer) if viewer is not None else None
    show_phone = village is not None and access is not None and access.covers(Role.STAFF, village)
    resident = entry.name or appeal.resident_name or tr.t("appeal.sender_erased")
    if entry.name:  # the resident's own row has no name: show the one staff took down
        shown = tr.t("appeal.sender", name=appeal.resident_name or "—")
        card = card.replace(shown, tr.t("appeal.sender", name=entry.name), 1)
    title, _, rest = card.partition("\n")
    block = "\n".join(audit(tr, entry, resident, show_phone=show_phone))
    return appeal_texts.clip(f"{title}\n{block}\n{rest}", appeal_texts.MAX_MESSAGE)


async def pass_on_note(
    services: Services, tr: Translator, viewer: int, appeal: Appeal
) -> str | None:
    """After staff answered (resolved, rejected, extended) an item of a resident without
    Telegram: nothing was sent, pass it on to them (the phone for staff of their village)."""
    entry = await repo.entry_of(services.db, appeal.id)
    if entry is None or not entry.to_pass_on:
        return None
    village = await territory.get_village(services.db, appeal.village_code)
    access = await read_access(services, viewer)
    phone = entry.phone if village is not None and access.covers(Role.STAFF, village) else None
    name, number = entry.name or tr.t("appeal.sender_erased"), appeal_texts.number(appeal)
    if phone:
        readable = verification.readable(phone)
        return tr.t("behalf.pass_on_phone", number=number, name=name, phone=readable)
    return tr.t("behalf.pass_on_in_person", number=number, name=name)


async def erase_button(
    services: Services, tr: Translator, appeal: Appeal
) -> list[InlineKeyboardButton]:
    """🗑 Erase name and phone, on an item filed for a resident who has not claimed it."""
    entry = await repo.entry_of(services.db, appeal.id)
    if entry is None or entry.claimed or entry.erased:
        return []
    data = callbacks.build(FEATURE, "erase", appeal.id)
    return [InlineKeyboardButton(tr.t("behalf.btn.erase"), callback_data=data)]


def item_preview(
    tr: Translator, *, kind: str, category: str, text: str, name: str, phone: str | None,
    channel_code: str, village: Village,
) -> str:  # fmt: skip
    """What staff check before an item is filed for a resident."""
    lines = [
        tr.t(f"behalf.preview_title.{kind}"),
        tr.t("behalf.preview_resident", name=name),
        tr.t("behalf.preview_phone", phone=verification.readable(phone) if phone else "—"),
        tr.t("appeal.village", place=appeal_texts.place(tr, village)),
        tr.t("behalf.preview_channel", channel=channel(tr, channel_code)),
        tr.t("complaint.summary_category", category=appeal_texts.category(tr, category)),
        "",
        appeal_texts.clip(text, 2000),
    ]
    return "\n".join(lines)


def hearing_preview(
    tr: Translator, *, topic: str, kind: str, people: int | None, names: tuple[str, ...],
    channel_code: str, village: Village,
) -> str:  # fmt: skip
    """What staff check before attendance or "I will come" is added to a hearing."""
    who = tr.nt("behalf.people", people) if people is not None else ", ".join(names)
    return "\n".join(
        [
            tr.t(f"behalf.hearing_title.{kind}", topic=topic),
            tr.t("appeal.village", place=appeal_texts.place(tr, village)),
            tr.t("behalf.preview_channel", channel=channel(tr, channel_code)),
            tr.t("behalf.preview_who", who=who),
        ]
    )


def erase_names_rows(
    tr: Translator, hearing: Hearing, figures: HearingFigures
) -> list[list[InlineKeyboardButton]]:
    """🗑 Erase the names entered for a hearing (the counts stay), while there are any."""
    if not figures.names:
        return []
    data = callbacks.build(FEATURE, "hnames", hearing.id)
    return [[InlineKeyboardButton(tr.t("behalf.btn.erase_names"), callback_data=data)]]


def hearing_line(tr: Translator, figures: HearingFigures) -> str | None:
    """On a hearing's staff card: who was entered for residents without Telegram."""
    if not figures.coming and not figures.attended:
        return None
    line = tr.t(
        "behalf.hearing_figures",
        coming=tr.number(figures.coming),
        attended=tr.number(figures.attended),
    )
    if figures.names:
        line += "\n" + tr.t("behalf.hearing_names", names=", ".join(figures.names))
    return line
