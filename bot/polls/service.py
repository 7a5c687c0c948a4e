"""Polls on local priorities: the rules of creating, voting, closing and reminding.

Handlers parse and render; this module decides. Everything that goes to many residents (the
announcement, the reminder to non-voters, the results) goes through the broadcast engine, with
the poll as it was at that moment in the broadcast's payload.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.context import Services
from bot.i18n import Translator
from bot.messaging import translator_of
from bot.polls import chart as poll_chart
from storage import polls as repo
from storage import protocols as protocols_repo
from storage import roles as roles_repo
from storage import territory
from storage.db import from_db_time, to_db_time, utcnow
from storage.models import Person, Role, Village
from storage.polls import Ballot, Cast, NewPoll, Poll, Results
from storage.protocols import NewProtocol, Protocol, Recorded
from storage.versions import Versions

_LOGGER = logging.getLogger(__name__)
ANNOUNCEMENT_KIND = "poll"
REMINDER_KIND = "poll_reminder"
RESULTS_KIND = repo.RESULTS_KIND
MAX_QUESTION = 300
MAX_OPTION = 100
MIN_OPTIONS, MAX_OPTIONS = 2, repo.MAX_OPTIONS
MIN_FOLLOW_UP, MAX_FOLLOW_UP = 5, 1000  # characters of what was done after a poll
MAX_PLACE = 200  # characters of a meeting's place
MAX_REASON = 300  # characters of a correction's reason
MAX_PRESENT = 100_000  # residents present at one meeting, when the village's size is unknown
MEETING_DAYS_BACK = 366  # how long ago a meeting may have been
Problem = tuple[str, dict[str, Any]]  # a message key and its values


def payload_of(poll: Poll) -> dict[str, Any]:
    """The poll as a broadcast carries it (JSON)."""
    return {
        "poll": poll.id, "question": poll.question, "options": list(poll.options),
        "max_choices": poll.max_choices, "may_change": poll.may_change,
        "results_early": poll.results_early, "closes_at": to_db_time(poll.closes_at),
        "status": poll.status, "created_by": poll.created_by,
        "created_at": to_db_time(poll.created_at),
        "closed_at": to_db_time(poll.closed_at) if poll.closed_at else None,
        "villages": list(poll.village_codes), "reminded": poll.reminded,
        "versions": poll.versions.to_dict(),
        "verified_only": poll.verified_only,
    }  # fmt: skip


def poll_of(payload: dict[str, Any]) -> Poll:
    """Read :func:`payload_of`'s form back."""
    closed_at = payload.get("closed_at")
    return Poll(
        id=int(payload["poll"]), question=str(payload["question"]),
        options=tuple(payload["options"]), max_choices=int(payload["max_choices"]),
        may_change=bool(payload["may_change"]), results_early=bool(payload["results_early"]),
        closes_at=from_db_time(payload["closes_at"]), status=str(payload["status"]),
        created_by=int(payload["created_by"]), created_at=from_db_time(payload["created_at"]),
        closed_at=from_db_time(closed_at) if closed_at else None,
        village_codes=tuple(payload["villages"]), reminded=bool(payload["reminded"]),
        versions=Versions.of(payload.get("versions")),
        verified_only=bool(payload.get("verified_only", False)),
    )  # fmt: skip


def question_problem(text: str) -> tuple[str, dict[str, Any]] | None:
    """Why a question cannot be used (a message key and its values), or None."""
    if not text.strip():
        return "poll.ask_question", {}
    if len(text) > MAX_QUESTION:
        return "poll.question_too_long", {"limit": MAX_QUESTION, "length": len(text)}
    return None


def parse_options(text: str) -> tuple[list[str], tuple[str, dict[str, Any]] | None]:
    """Options typed one per line, and why they cannot be used (or None)."""
    options = [line.strip() for line in text.splitlines() if line.strip()]
    if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
        return options, ("poll.options_count", {"count": len(options)})
    for option in options:
        if len(option) > MAX_OPTION:
            return options, ("poll.option_too_long", {"option": option[:40], "limit": MAX_OPTION})
    seen: set[str] = set()
    for option in options:
        if option.casefold() in seen:
            return options, ("poll.option_twice", {"option": option})
        seen.add(option.casefold())
    return options, None


def parse_closing(text: str, zone: Any, now: datetime) -> datetime | None:
    """``DD.MM.YYYY HH:MM`` in the configured zone, when it is in the future."""
    try:
        local = datetime.strptime(text.strip(), "%d.%m.%Y %H:%M")
    except ValueError:
        return None
    moment = local.replace(tzinfo=zone)
    return moment if moment > now else None


def closing_in(days: int, zone: Any, now: datetime, hour: int = 20) -> datetime:
    """``days`` days from today (in the configured zone) at ``hour``:00."""
    local = now.astimezone(zone) + timedelta(days=days)
    return local.replace(hour=hour, minute=0, second=0, microsecond=0)


def chart_folder(services: Services) -> Path:
    """Where result charts are written: next to the database."""
    return poll_chart.folder_of(services.settings.database_path)


async def create(services: Services, new: NewPoll, report_to: tuple[int, Translator]) -> Poll:
    """Store the poll, schedule its close and reminder, announce it to its villages' residents."""
    poll = await repo.create(services.db, new, utcnow())
    if services.poll_schedule is not None:
        services.poll_schedule.schedule(poll)
    await services.engine.submit(
        kind=ANNOUNCEMENT_KIND,
        payload=payload_of(poll),
        created_by=new.created_by,
        report_to=report_to,
        ref_id=poll.id,
        village_codes=poll.village_codes,
    )
    _LOGGER.info("Poll %s announced in %d villages", poll.id, len(poll.village_codes))
    return poll


async def vote(services: Services, person: Person, poll_id: int, choices: int) -> Cast:
    """Record a resident's tap: checked against the poll, its villages and its rules."""
    ballot = Ballot(
        poll_id, person.id, person.village_code, choices, utcnow(),
        bound_at=person.village_set_at, moved_at=person.village_moved_at,
    )  # fmt: skip
    return await repo.cast(services.db, ballot)


async def staff_of(services: Services, poll: Poll) -> list[int]:
    """Telegram ids of the poll's author and the staff covering any of its villages."""
    found = {poll.created_by}
    for code in poll.village_codes:
        if (village := await territory.get_village(services.db, code)) is not None:
            found.update(await roles_repo.covering(services.db, Role.STAFF, village))
    return sorted(found)


async def close(
    services: Services,
    poll_id: int,
    by: int | None = None,
    *,
    acknowledge: Callable[[Poll | None], Awaitable[None]] | None = None,
) -> Poll | None:
    """Close the poll (once, whoever asks first) and publish its results; None if not open.

    Staff who close it now watch the results go out; at its time, its author does.
    ``acknowledge`` hears the outcome once it is stored, before the results are drawn and
    queued (seconds for a large poll): a button's answer, which Telegram refuses when late.
    """
    poll = await repo.close(services.db, poll_id, utcnow(), by)
    if acknowledge is not None:
        await acknowledge(poll)
    if poll is None:
        return None
    if by is not None and services.poll_schedule is not None:
        services.poll_schedule.unschedule(poll.id)  # closed early: its close job is moot
    _LOGGER.info("Poll %s closed%s", poll.id, " early" if by else "")
    await publish(services, poll, reporter=by)
    return poll


async def results_payload(services: Services, poll: Poll) -> dict[str, Any]:
    """The poll with its results and standing protocols, its charts' folder, villages' names."""
    results = await repo.results(services.db, poll)
    villages = [await territory.get_village(services.db, code) for code in poll.village_codes]
    protocols = await protocols_repo.of_poll(services.db, poll.id)
    return payload_of(poll) | {
        "results": results.to_dict(),
        "protocols": [p.to_dict() for p in protocols if p.standing],
        "charts": str(chart_folder(services)),
        "names": {v.code: asdict(v.names) for v in villages if v is not None},
    }


async def published_results(services: Services, poll: Poll) -> dict[str, Any] | None:
    """A closed poll's results as drawn once at its close; None while it is open.

    Whoever asks later (a resident, staff, after a restart) gets what went out at the close,
    not a new count: nothing tapped before or after can change it. Results a crash kept from
    going out yet are drawn now, as they will go out.
    """
    if poll.status == "open":
        return None
    published = await repo.published_payload(services.db, poll.id)
    if published is not None:
        return published | {"charts": str(chart_folder(services))}
    return await results_payload(services, poll)


async def report_chat(services: Services, telegram_id: int) -> tuple[int, Translator]:
    """Where and in which language a staff member watches a broadcast made for them."""
    return telegram_id, await translator_of(services, telegram_id)


async def publish(services: Services, poll: Poll, reporter: int | None = None) -> None:
    """Send the results to the residents of the poll's villages and to its staff.

    ``reporter`` (by default the poll's author) gets the sender's report: how many got them.
    """
    staff = await repo.people_ids(services.db, await staff_of(services, poll))
    chat_id, tr = await report_chat(services, reporter or poll.created_by)
    await services.engine.submit(
        kind=RESULTS_KIND,
        payload=await results_payload(services, poll),
        created_by=poll.created_by,
        report_to=(chat_id, tr),
        report_title=tr.t("poll.results_report", question=poll.question),
        ref_id=poll.id,
        village_codes=poll.village_codes,
        person_ids=tuple(staff),
    )


async def publish_missing(services: Services) -> int:
    """Publish the results of polls closed without them (the bot died in between)."""
    missing = await repo.closed_unpublished(services.db)
    for poll in missing:
        await publish(services, poll)
    return len(missing)


async def remind(services: Services, poll_id: int) -> int:
    """Remind the residents who have not voted, once per poll; return how many."""
    poll = await repo.get(services.db, poll_id)
    if poll is None or not await repo.claim_reminder(services.db, poll_id, utcnow()):
        return 0
    people = await repo.non_voters(services.db, poll)
    if people:
        chat_id, tr = await report_chat(services, poll.created_by)
        await services.engine.submit(
            kind=REMINDER_KIND,
            payload=payload_of(poll),
            created_by=poll.created_by,
            report_to=(chat_id, tr),
            report_title=tr.t("poll.reminder_report", question=poll.question),
            ref_id=poll.id,
            person_ids=tuple(people),
        )
    _LOGGER.info("Poll %s: reminded %d residents", poll.id, len(people))
    return len(people)


def reminder_at(poll: Poll, before: timedelta) -> datetime | None:
    """When the reminder is due; None when the poll is shorter than the reminder's lead."""
    moment = poll.closes_at - before
    return moment if moment > poll.created_at and not poll.reminded else None


async def results(services: Services, poll: Poll) -> Results:
    """The poll's counts: live while open, frozen at the close."""
    return await repo.results(services.db, poll)


def follow_up_problem(text: str) -> tuple[str, dict[str, Any]] | None:
    """Why a follow-up cannot be recorded (a message key and its values), or None."""
    if len(text.strip()) < MIN_FOLLOW_UP:
        return "poll.follow_up_ask", {}
    if len(text) > MAX_FOLLOW_UP:
        return "poll.follow_up_too_long", {"limit": MAX_FOLLOW_UP, "length": len(text)}
    return None


async def record_follow_up(services: Services, poll_id: int, text: str, by: int) -> bool:
    """Record what the akimat did after a closed poll ("you said, we did" in the reports);
    False when the poll is not closed. The text is staff's, shown as they typed it."""
    return await repo.set_follow_up(services.db, poll_id, text.strip(), by, utcnow())


# --- paper votes: meeting protocols -------------------------------------------------------------
def parse_counts(text: str, options: int) -> list[int] | None:
    """One whole number per option, in order (lines, spaces or commas between them)."""
    parts = [part for part in re.split(r"[\s,;]+", text.strip()) if part]
    if len(parts) != options or not all(p.isdigit() and len(p) <= 7 for p in parts):
        return None
    return [int(part) for part in parts]


def parse_meeting_date(text: str, zone: Any, now: datetime) -> date | None:
    """A meeting's date typed as ``DD.MM.YYYY``: not in the future, within the last year."""
    try:
        day = datetime.strptime(text.strip(), "%d.%m.%Y").date()
    except ValueError:
        return None
    return day if meeting_day_fits(day, zone, now) else None


def meeting_day_fits(day: date, zone: Any, now: datetime) -> bool:
    """Whether a meeting can have been on ``day``: not in the future, within the last year."""
    today = now.astimezone(zone).date()
    return today - timedelta(days=MEETING_DAYS_BACK) <= day <= today


def meeting_days(zone: Any, now: datetime) -> list[date]:
    """Today and the two days before, for the date buttons."""
    today = now.astimezone(zone).date()
    return [today - timedelta(days=back) for back in range(3)]


def place_problem(text: str) -> Problem | None:
    """Why a meeting's place cannot be used, or None."""
    if not text.strip():
        return "protocol.ask_place", {}
    if len(text) > MAX_PLACE:
        return "protocol.place_too_long", {"limit": MAX_PLACE}
    return None


def reason_problem(text: str) -> Problem | None:
    """Why a correction's reason cannot be used, or None."""
    if len(text.strip()) < 3:
        return "protocol.ask_reason", {}
    if len(text) > MAX_REASON:
        return "protocol.reason_too_long", {"limit": MAX_REASON}
    return None


def present_problem(present: int, village: Village) -> Problem | None:
    """Why this many residents cannot have been present, or None."""
    if village.population is not None and present > village.population:
        return "protocol.over_population", {"present": present, "population": village.population}
    if present > MAX_PRESENT:
        return "protocol.present_bad", {}
    return None


def votes_problem(poll: Poll, present: int, votes: Sequence[int]) -> Problem | None:
    """Why a meeting of ``present`` residents cannot have cast these votes, or None.

    No option more votes than residents present; and no more marks than they had: one each
    in a single-choice poll, up to the poll's maximum each in a multiple-choice one.
    """
    for position, count in enumerate(votes):
        if count > present:
            return "protocol.over_present", {
                "option": position + 1, "votes": count, "present": present,
            }  # fmt: skip
    if sum(votes) > present * poll.max_choices:
        return "protocol.over_marks", {
            "votes": sum(votes), "present": present, "most": present * poll.max_choices,
        }  # fmt: skip
    return None


async def record_protocol(services: Services, new: NewProtocol) -> Problem | None:
    """Store a meeting's protocol (a correction supersedes the standing one); None when stored.

    Every rule is checked here again, whatever the dialog checked before: the village's
    population, the votes against those present, a reason for a correction, the poll open.
    """
    poll = await repo.get(services.db, new.poll_id)
    village = await territory.get_village(services.db, new.village_code)
    if poll is None or village is None or len(new.votes) != len(poll.options):
        return "error.stale_button", {}
    if not meeting_day_fits(new.met_on, services.settings.zone, utcnow()):
        return "protocol.day_bad", {}
    problem = (
        place_problem(new.place)
        or present_problem(new.present, village)
        or votes_problem(poll, new.present, new.votes)
        or (reason_problem(new.reason or "") if new.supersedes is not None else None)
    )
    if problem is not None:
        return problem
    outcome, protocol_id = await protocols_repo.record(services.db, new, utcnow())
    if outcome is not Recorded.STORED:
        _LOGGER.info("Protocol for poll %s refused: %s", new.poll_id, outcome)
        keys = {Recorded.CLOSED: "poll.paper_closed", Recorded.ELSEWHERE: "auth.out_of_scope"}
        return keys.get(outcome, "protocol.moved_on"), {}
    _LOGGER.info(
        "Protocol %s of poll %s, village %s%s", protocol_id, new.poll_id, new.village_code,
        f" supersedes {new.supersedes}" if new.supersedes else "",
    )  # fmt: skip
    return None


async def protocols(services: Services, poll_id: int) -> list[Protocol]:
    """Every protocol of a poll, corrections and what they superseded included."""
    return await protocols_repo.of_poll(services.db, poll_id)
