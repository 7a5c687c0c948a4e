"""What Qatysu keeps about a person, and erasing it.

``/deletedata`` erases the person's Telegram id, name and languages, the content of their
appeals and hearing questions (text, photos, voice, location), their drafts and dialogs. What
stays is keyed by their pseudonymous key alone (:mod:`bot.identity`): their village and since
when, their votes, the hearings they said they would attend, and their appeals without content
(category, dates, statuses, the akimat's answers): erasing never gives a second vote nor fresh
limits, and the reports stay true.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import cast

from bot import persistence
from bot.appeals import texts as appeal_texts
from bot.auth import load_access
from bot.context import QatysuApp, QatysuContext
from bot.i18n import LANGUAGE_NAMES, Translator
from bot.logs import who
from bot.residents.verification import reason_text
from storage import appeals, budget, hearings, people, polls, territory
from storage import verifications as verifications_repo
from storage.appeals import Appeal
from storage.budget import Cycle, Project
from storage.db import utcnow
from storage.hearings import Hearing
from storage.models import Person, Role, Scope, Village
from storage.people import VillageMove
from storage.polls import Poll
from storage.verifications import Status, Verification

_LOGGER = logging.getLogger(__name__)
LISTED = 10  # items of each kind /mydata lists by name; the rest are counted


@dataclass(frozen=True, slots=True)
class PersonalData:
    """Everything stored about one person, ready to show them."""

    person: Person | None
    village: Village | None
    roles: tuple[tuple[Role, Scope], ...]
    key: str = ""  # the short form of their pseudonymous key
    appeals: tuple[Appeal, ...] = ()
    appeal_count: int = 0
    polls: tuple[Poll, ...] = ()
    hearings: tuple[Hearing, ...] = ()
    move: VillageMove | None = None
    move_to: Village | None = None
    today: date | None = None
    verification: Verification | None = None  # the open request, else the latest one
    budgets: tuple[Cycle, ...] = ()  # participatory budgets they cast a ballot in
    proposals: tuple[Project, ...] = ()  # projects they proposed

    @property
    def verified(self) -> bool:
        """Whether the person is a verified resident of the village they live in now."""
        found, person = self.verification, self.person
        return (
            found is not None and person is not None and found.status is Status.VERIFIED
            and found.village_code == person.village_code
        )  # fmt: skip

    @property
    def may_ask(self) -> bool:
        """Whether the person may ask to be verified (a village, nothing verified or pending)."""
        if self.person is None or self.village is None or self.verified:
            return False
        found = self.verification
        return found is None or found.status is not Status.PENDING


async def personal_data(context: QatysuContext, telegram_id: int) -> PersonalData:
    """Collect what is stored about ``telegram_id``."""
    services = context.services
    db = services.db
    person = await people.get_by_telegram_id(db, telegram_id)
    access = await load_access(context, telegram_id)
    roles = tuple((grant.role, grant.scope) for grant in access.grants)
    if person is None:
        return PersonalData(person=None, village=None, roles=roles)
    village = None
    if person.village_code:
        village = await territory.get_village(db, person.village_code)
    move = await people.pending_move(db, person.id)
    return PersonalData(
        person=person,
        village=village,
        roles=roles,
        key=services.identity.short_key(telegram_id),
        appeals=tuple(await appeals.of_person(db, person.id, LISTED)),
        appeal_count=await appeals.count_of_person(db, person.id),
        polls=tuple(await polls.voted_by(db, person.id, LISTED)),
        hearings=tuple(await hearings.attended_by(db, person.id, LISTED)),
        move=move,
        move_to=await territory.get_village(db, move.to_village) if move else None,
        today=utcnow().astimezone(services.settings.zone).date(),
        verification=await verifications_repo.latest_of(db, person.id),
        budgets=tuple(await budget.voted_by(db, person.id, LISTED)),
        proposals=tuple(await budget.proposed_by(db, person.id, LISTED)),
    )


def verification_line(tr: Translator, data: PersonalData) -> str:
    """Whether the person is verified, and how (or what became of their request)."""
    found = data.verification
    if data.verified and found is not None:
        how = "verify.status_register" if found.method == "register" else "verify.status_staff"
        return tr.t(how, date=tr.date(found.decided_at or found.requested_at))
    if found is not None and found.status is Status.PENDING:
        return tr.t("verify.status_pending", date=tr.date(found.requested_at))
    if found is not None and found.status is Status.REJECTED:
        return tr.t("verify.status_rejected", reason=reason_text(tr, found.reason))
    return tr.t("verify.status_none")


def render(tr: Translator, data: PersonalData) -> str:
    """Render :class:`PersonalData` as a short message."""
    person = data.person
    if person is None:
        return tr.t("mydata.nothing")
    lines = [tr.t("mydata.title"), tr.t("mydata.telegram_id", telegram_id=person.telegram_id)]
    if person.first_name:
        lines.append(tr.t("mydata.name", name=person.first_name))
    if person.language:
        lines.append(tr.t("mydata.language", language=LANGUAGE_NAMES[person.language]))
    if person.telegram_language and person.telegram_language != person.language:
        app = LANGUAGE_NAMES[person.telegram_language]
        lines.append(tr.t("mydata.app_language", language=app))
    if data.village is not None:
        lines.append(tr.t("mydata.village", village=data.village.names.get(tr.language)))
    else:
        lines.append(tr.t("mydata.no_village"))
    lines.append(tr.t("mydata.since", date=tr.date(person.created_at)))
    if data.village is not None:
        lines.append(verification_line(tr, data))
    if data.move is not None and data.move_to is not None:
        village = data.move_to.names.get(tr.language)
        lines.append(tr.t("mydata.move_pending", village=village))
    if data.roles:
        roles = ", ".join(sorted({tr.t(f"role.{role.value}") for role, _ in data.roles}))
        lines.append(tr.t("mydata.roles", roles=roles))
    lines += _activity(tr, data)
    lines += ["", tr.t("mydata.key", key=data.key), tr.t("mydata.kept"), "", tr.t("mydata.footer")]
    return "\n".join(lines)


def _activity(tr: Translator, data: PersonalData) -> list[str]:
    """The person's appeals (with status), polls voted in, hearings they will come to."""
    lines: list[str] = []
    today = data.today or utcnow().date()
    if data.appeal_count:
        lines += ["", tr.nt("mydata.appeals", data.appeal_count)]
        lines += [
            tr.t("mydata.appeal_line", number=appeal_texts.number(a),
                 category=appeal_texts.category(tr, a.category),
                 status=appeal_texts.status(tr, a, today))
            for a in data.appeals
        ]  # fmt: skip
    if data.polls:
        lines += ["", tr.nt("mydata.polls", len(data.polls))]
        lines += [
            tr.t("mydata.poll_line", question=p.read_in(tr.language).question[:80])
            for p in data.polls
        ]
    if data.hearings:
        lines += ["", tr.nt("mydata.hearings", len(data.hearings))]
        lines += [
            tr.t(
                "mydata.hearing_line",
                topic=h.read_in(tr.language).topic[:80],
                date=tr.date(h.starts_at),
            )
            for h in data.hearings
        ]
    return lines + _budget(tr, data)


def _budget(tr: Translator, data: PersonalData) -> list[str]:
    """Participatory budgets they voted in, projects they proposed."""
    lines: list[str] = []
    if data.budgets:
        lines += ["", tr.nt("mydata.budgets", len(data.budgets))]
        lines += [tr.t("mydata.poll_line", question=c.title[:80]) for c in data.budgets]
    if data.proposals:
        lines += ["", tr.nt("mydata.proposals", len(data.proposals))]
        lines += [
            tr.t("mydata.proposal_line", number=tr.number(p.number), title=p.title[:80])
            for p in data.proposals
        ]
    return lines


async def delete_personal_data(context: QatysuContext, telegram_id: int) -> str:
    """Erase the person's identity, content and dialogs; return the confirmation to show."""
    tr = context.tr
    key = who(telegram_id)
    erased = await people.delete_personal_data(context.services.db, telegram_id)
    await persistence.forget_person(cast(QatysuApp, context.application), telegram_id)
    context.person = None
    if erased:
        _LOGGER.info("Resident %s erased their data", key)
    access = await load_access(context, telegram_id)
    text = tr.t("deletedata.done") + "\n\n" + tr.t("deletedata.done_kept")
    if access.grants:
        text += "\n" + tr.t("deletedata.role_note")
    return text
