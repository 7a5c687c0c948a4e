"""What Qatysu keeps about a person, and erasing it."""

from __future__ import annotations

from dataclasses import dataclass

from bot.auth import load_access
from bot.context import QatysuContext
from bot.i18n import LANGUAGE_NAMES, Translator
from bot.residents.verification import reason_text
from storage import people, territory
from storage import verifications as verifications_repo
from storage.models import Person, Role, Scope, Village
from storage.verifications import Status, Verification


@dataclass(frozen=True, slots=True)
class PersonalData:
    """Everything stored about one person, ready to show them."""

    person: Person | None
    village: Village | None
    roles: tuple[tuple[Role, Scope], ...]
    verification: Verification | None = None  # the open request, else the latest one

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
    db = context.services.db
    person = await people.get_by_telegram_id(db, telegram_id)
    village = None
    if person is not None and person.village_code:
        village = await territory.get_village(db, person.village_code)
    access = await load_access(context, telegram_id)
    roles = tuple((grant.role, grant.scope) for grant in access.grants)
    verification = await verifications_repo.latest_of(db, person.id) if person else None
    return PersonalData(person=person, village=village, roles=roles, verification=verification)


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
    if data.roles:
        roles = ", ".join(sorted({tr.t(f"role.{role.value}") for role, _ in data.roles}))
        lines.append(tr.t("mydata.roles", roles=roles))
    lines += ["", tr.t("mydata.footer")]
    return "\n".join(lines)


async def delete_personal_data(context: QatysuContext, telegram_id: int) -> str:
    """Erase the person's identity and dialogs; return the confirmation to show."""
    tr = context.tr
    await people.delete_personal_data(context.services.db, telegram_id)
    context.person = None
    access = await load_access(context, telegram_id)
    text = tr.t("deletedata.done")
    if access.grants:
        text += "\n" + tr.t("deletedata.role_note")
    return text
