"""How complaints, suggestions and questions read: for the resident, for staff, in any language.

Resident text is shown to staff, and staff text to residents, exactly as typed: messages carry
no ``parse_mode``, so nothing in them is markup.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING

from bot.i18n import LANGUAGE_NAMES, Translator, button_label
from storage import bodies as bodies_repo
from storage import territory
from storage.appeals import Appeal, Event, Status
from storage.bodies import Body
from storage.db import Database
from storage.models import Village

if TYPE_CHECKING:
    from bot.appeals.draft import IntakeDraft

MAX_MESSAGE = 4000  # under Telegram's 4,096, leaving room for a line or two
NOTE_IN_HISTORY = 600
PREVIEW = 300
EOTINISH = "eotinish"  # the step recording the eOtinish registration number (in its note)


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def number(appeal: Appeal) -> str:
    """The number residents and staff quote: ``#2026-00042``."""
    return f"#{appeal.number}"


def category(tr: Translator, code: str) -> str:
    """A category's label with its icon."""
    return tr.t(f"appeal.category.{code}")


def kind(tr: Translator, appeal: Appeal) -> str:
    """ "Complaint", "Suggestion" or "Question"."""
    return tr.t(f"appeal.kind.{appeal.kind.value}")


def status(tr: Translator, appeal: Appeal, today: date) -> str:
    """The status label, with the overdue mark when unanswered past its due date."""
    label = tr.t(f"appeal.status.{appeal.status.value}")
    return f"{label} · {tr.t('appeal.status.overdue')}" if appeal.is_overdue(today) else label


def title(tr: Translator, appeal: Appeal) -> str:
    """«Complaint #2026-00042 · 🛣 Roads»."""
    return f"{kind(tr, appeal)} {number(appeal)} · {category(tr, appeal.category)}"


def place(tr: Translator, village: Village) -> str:
    """«Village (District)»."""
    return tr.t(
        "appeal.place",
        village=village.names.get(tr.language),
        district=village.district_names.get(tr.language),
    )


def icon(label: str) -> str:
    """The emoji a status or category label starts with (``"🛠 In progress"`` → ``"🛠"``)."""
    return label.split(" ", 1)[0]


def list_label(tr: Translator, appeal: Appeal, today: date, place: str = "") -> str:
    """One line of a list of items, to fit a button: ``⚠️🛠 #2026-00042 · 🕳 Place``.

    The status and the category show as their emoji (the card says them in words), so that
    the number and the place fit in a phone's button.
    """
    mark = "⚠️" if appeal.is_overdue(today) else ""
    shown = f"{mark}{icon(status(tr, appeal, today))} {number(appeal)} · "
    shown += icon(category(tr, appeal.category))
    return button_label(f"{shown} {place}" if place else shown)


def own_label(tr: Translator, appeal: Appeal, today: date) -> str:
    """A resident's own item in their list: the number and the status in words (overdue first)."""
    key = "overdue" if appeal.is_overdue(today) else appeal.status.value
    return button_label(f"{number(appeal)} · {tr.t(f'appeal.status.{key}')}")


def target_of(event: Event) -> str | None:
    """Where a step sent the item: its target, or (a forward stored before targets) its note."""
    if event.target is not None:
        return event.target
    return event.note if event.action == "forwarded" else None


async def target_names(db: Database, tr: Translator, events: Sequence[Event]) -> dict[str, str]:
    """Names of the places and bodies items were sent to, keyed by the event's target."""
    names: dict[str, str] = {}
    for event in events:
        target = target_of(event)
        if not target or target in names:
            continue
        level, _, code = target.partition(":")
        if level == "body":
            body = await bodies_repo.get(db, int(code)) if code.isdigit() else None
            names[target] = body.names.get(tr.language) if body else target
        elif level == "district":
            district = await territory.get_district(db, code)
            names[target] = tr.t(
                "appeal.district_akimat",
                district=district.names.get(tr.language) if district else code,
            )
        else:
            village = await territory.get_village(db, code)
            names[target] = village.names.get(tr.language) if village else code
    return names


def history(
    tr: Translator, events: Sequence[Event], targets: Mapping[str, str], *, for_staff: bool
) -> list[str]:
    """History lines, oldest first; staff also see who acted."""
    lines = []
    for event in events:
        target = target_of(event)
        action = event.action
        if action == "rejected" and target and target.startswith("body:"):
            action = "rejected_to_body"
        line = f"{tr.datetime(event.created_at)} — {tr.t(f'appeal.event.{action}')}"
        if target:
            line += f": {targets.get(target, target)}"
        if for_staff and event.actor_id is not None:
            line += f" ({event.actor_name or event.actor_id})"
        lines.append(line)
        note = event.note if for_staff else event.note_in(tr.language)
        if event.action == "forwarded" and (event.target is None or not for_staff):
            note = None  # a place stored as the note; or a note for staff, not the resident
        if note:
            lines.append("   «" + clip(note, NOTE_IN_HISTORY) + "»")
    return lines


def registration(events: Sequence[Event]) -> str | None:
    """The item's eOtinish registration number, the latest recorded (None: none yet)."""
    numbers = [event.note for event in events if event.action == EOTINISH and event.note]
    return numbers[-1] if numbers else None


def body_card(tr: Translator, body: Body) -> str:
    """A body's name, phone, address and what it handles, in the reader's language."""
    return tr.t(
        "body.card",
        name=body.names.get(tr.language),
        phone=body.phone,
        address=body.addresses.get(tr.language),
        handles=body.handles.get(tr.language),
    )


def body(tr: Translator, appeal: Appeal, limit: int) -> str:
    """The item's text, or that the resident had it removed (/deletedata), or that it is a
    voice note alone."""
    if appeal.redacted:
        return tr.t("appeal.redacted")
    return clip(appeal.text, limit) if appeal.text.strip() else tr.t("appeal.voice_only")


def _extras(tr: Translator, appeal: Appeal) -> str | None:
    parts = []
    if appeal.photos:
        parts.append(tr.nt("appeal.photos", len(appeal.photos)))
    if appeal.voice_file_id:
        parts.append(tr.t("appeal.has_voice"))
    if appeal.latitude is not None:
        parts.append(tr.t("appeal.has_location"))
    return " · ".join(parts) if parts else None


def staff_card(
    tr: Translator,
    appeal: Appeal,
    village: Village,
    handler: Village,
    events: Sequence[Event],
    targets: Mapping[str, str],
    today: date,
) -> str:
    """Everything staff need to work an item; the resident's name only when not hidden."""
    sender = tr.t("appeal.name_hidden") if appeal.hide_name else appeal.resident_name or "—"
    if appeal.redacted:
        sender = tr.t("appeal.sender_erased")
    lines = [title(tr, appeal), tr.t("appeal.village", place=place(tr, village))]
    if appeal.level == "district":
        lines.append(tr.t("appeal.at_district", district=handler.district_names.get(tr.language)))
    elif handler.code != village.code:
        lines.append(tr.t("appeal.forwarded_to", village=handler.names.get(tr.language)))
    lines += [
        tr.t("appeal.sender", name=sender),
        tr.t("appeal.language_line", language=LANGUAGE_NAMES.get(reader_language(appeal), "—")),
        tr.t("appeal.dates", filed=tr.date(appeal.created_at), due=tr.date(appeal.due_on)),
        tr.t("appeal.status_line", status=status(tr, appeal, today)),
    ]
    if appeal.hearing_topic is not None:
        lines.append(meeting_line(tr, appeal))
    if (number_at := registration(events)) is not None:
        lines.append(tr.t("appeal.eotinish", number=number_at))
    extras = _extras(tr, appeal)
    if extras:
        lines.append(extras)
    lines += ["", body(tr, appeal, MAX_MESSAGE), "", tr.t("appeal.history")]
    lines += history(tr, events[-8:], targets, for_staff=True)
    return clip("\n".join(lines), MAX_MESSAGE)


def resident_card(
    tr: Translator, appeal: Appeal, events: Sequence[Event], targets: Mapping[str, str], today: date
) -> str:
    """The resident's own item: status, due date, text and every answer."""
    lines = [
        title(tr, appeal),
        tr.t("appeal.dates", filed=tr.date(appeal.created_at), due=tr.date(appeal.due_on)),
        tr.t("appeal.status_line", status=status(tr, appeal, today)),
        *[tr.t("appeal.eotinish", number=n) for n in [registration(events)] if n is not None],
        "",
        body(tr, appeal, 1200),
        "",
        tr.t("appeal.history"),
    ]
    lines += history(tr, events, targets, for_staff=False)
    return clip("\n".join(lines), MAX_MESSAGE)


def meeting_line(tr: Translator, appeal: Appeal) -> str:
    """The meeting a question was asked for: its kind, topic and time."""
    if appeal.hearing_kind in (None, "hearing") or appeal.hearing_starts_at is None:
        return tr.t("appeal.hearing", topic=appeal.hearing_topic or "")
    return tr.t(
        "appeal.meeting", kind=tr.t(f"meeting.kind.{appeal.hearing_kind}"),
        topic=appeal.hearing_topic or "", when=tr.datetime(appeal.hearing_starts_at),
    )  # fmt: skip


def new_item(
    tr: Translator, appeal: Appeal, village: Village, forwarded: Event | None = None
) -> str:
    """What staff are told of a new (or forwarded) item; a question names its meeting, and a
    forward its sender's note."""
    lines = [
        tr.t("inbox.new_item", title=title(tr, appeal), village=village.names.get(tr.language))
    ]
    if appeal.hearing_topic is not None:
        lines.append(meeting_line(tr, appeal))
    if forwarded is not None and forwarded.target is not None and forwarded.note:
        sender = forwarded.actor_name or str(forwarded.actor_id or "—")
        lines.append(
            tr.t("inbox.forwarded_note", name=sender, note=clip(forwarded.note, NOTE_IN_HISTORY))
        )
    lines += [tr.t("appeal.due", due=tr.date(appeal.due_on)), "", body(tr, appeal, PREVIEW)]
    return "\n".join(lines)


def reader_language(appeal: Appeal) -> str:
    """The language the resident reads the answers in: theirs now, else the item's."""
    return appeal.resident_language or appeal.language


def is_final(appeal: Appeal) -> bool:
    """Resolved or rejected."""
    return appeal.status in (Status.RESOLVED, Status.REJECTED)


def draft_summary(tr: Translator, draft: IntakeDraft, village: Village | None) -> str:
    """The summary a resident checks before sending."""
    lines = [
        tr.t(f"complaint.summary_title.{draft.kind}"),
        tr.t("complaint.summary_category", category=category(tr, draft.category or "other")),
    ]
    if village is not None:
        lines.append(tr.t("appeal.village", place=place(tr, village)))
    words = clip(draft.text, 2000) if draft.text else tr.t("appeal.voice_only")
    lines += ["", words, ""]
    if draft.photos:
        lines.append(tr.nt("appeal.photos", len(draft.photos)))
    if draft.voice:
        lines.append(tr.t("appeal.has_voice"))
    if draft.latitude is not None:
        lines.append(tr.t("appeal.has_location"))
    lines.append(tr.t("complaint.name_hidden" if draft.hide_name else "complaint.name_shown"))
    if reveals_identity(draft):
        lines.append(tr.t("complaint.identity_warning"))
    return "\n".join(lines)


def reveals_identity(draft: IntakeDraft) -> bool:
    """Whether a draft filed with a hidden name carries a voice note or a location.

    Staff hear the voice and see the pin: either can tell them who wrote, name or not.
    """
    return draft.hide_name and (draft.voice is not None or draft.latitude is not None)
