"""What Qatysu keeps about a person, and erasing it."""

from __future__ import annotations

from dataclasses import dataclass

from bot.auth import load_access
from bot.context import QatysuContext
from bot.i18n import LANGUAGE_NAMES, Translator
from storage import people, territory
from storage.models import Person, Role, Scope, Village


@dataclass(frozen=True, slots=True)
class PersonalData:
    """Everything stored about one person, ready to show them."""

    person: Person | None
    village: Village | None
    roles: tuple[tuple[Role, Scope], ...]


async def personal_data(context: QatysuContext, telegram_id: int) -> PersonalData:
    """Collect what is stored about ``telegram_id``."""
    db = context.services.db
    person = await people.get_by_telegram_id(db, telegram_id)
    village = None
    if person is not None and person.village_code:
        village = await territory.get_village(db, person.village_code)
    access = await load_access(context, telegram_id)
    roles = tuple((grant.role, grant.scope) for grant in access.grants)
    return PersonalData(person=person, village=village, roles=roles)


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
