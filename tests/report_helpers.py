"""A seeded week of a region written straight into the tables, and its figures recounted naively.

The seed spreads residents, complaints, hearings and notices over weeks 46-50 of 2026 around
the reported week 2026-W48 (Monday 23 November to Sunday 29 November, Asia/Almaty, UTC+5), with
names, phone numbers and texts that must never reach a report. ``expected`` recounts every
figure from the raw rows with plain Python, independently of the SQL of ``storage.reports``.
"""

from __future__ import annotations

import json
import random
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.appeals.service import CATEGORIES
from bot.territory import import_territory, sample_file
from storage.db import Database, to_db_time
from storage.polls import RESULTS_KIND

ZONE_OFFSET = timedelta(hours=5)
WEEK_START = datetime(2026, 11, 22, 19, 0, tzinfo=UTC)  # Monday 23 Nov 00:00 in Almaty
WEEK_END = WEEK_START + timedelta(days=7)
SECRET_NAMES = ("Жанбота", "Серикбол", "Gulnaraxyz")
SECRET_PHONE = "+77015550199"
SECRET_TEXT = "Тайный текст жителя номер"
TELEGRAM_BASE = 880_000_000


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A local Almaty wall-clock time, as UTC."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC) - ZONE_OFFSET


@dataclass
class Seed:
    """What was written, to recount it."""

    villages: list[str]
    people: list[dict[str, Any]] = field(default_factory=list)
    appeals: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    hearings: list[dict[str, Any]] = field(default_factory=list)
    rsvps: list[tuple[int, int, datetime]] = field(default_factory=list)
    outbox: list[tuple[int, int, str]] = field(default_factory=list)
    broadcasts: dict[int, datetime] = field(default_factory=dict)
    votes: list[tuple[int, int, datetime]] = field(default_factory=list)  # poll, person, when
    population: dict[str, int | None] = field(default_factory=dict)


def _moment(rng: random.Random) -> datetime:
    """Somewhere in weeks 46-50, on the minute."""
    return WEEK_START - timedelta(days=14) + timedelta(minutes=rng.randrange(5 * 7 * 24 * 60))


async def seed_region(db: Database, region: str = "krg", rng_seed: int = 48) -> Seed:
    """Write a random but reproducible month of a region (and a little of another)."""
    rng = random.Random(rng_seed)
    await import_territory(db, sample_file())
    rows = await db.fetch_all(
        "SELECT v.code FROM villages v JOIN districts d ON d.code = v.district_code "
        "WHERE d.region_code = ? ORDER BY v.code",
        (region,),
    )
    seed = Seed(villages=[row[0] for row in rows])
    outside = (await db.fetch_one("SELECT MIN(code) FROM villages WHERE code LIKE 'mng-%'"))[0]
    async with db.transaction() as tx:
        for index in range(120):
            village = outside if index % 10 == 9 else rng.choice(seed.villages)
            created = _moment(rng)
            deleted = created + timedelta(hours=rng.randrange(1, 300)) if index % 7 == 0 else None
            blocked = created + timedelta(hours=rng.randrange(1, 300)) if index % 11 == 0 else None
            person = {
                "id": index + 1, "village_code": village, "created_at": created,
                "language": rng.choice(["kk", "ru", "en", None]), "deleted_at": deleted,
                "blocked_at": None if deleted else blocked,
                "telegram_id": None if deleted else TELEGRAM_BASE + index,
                "first_name": None if deleted else f"{SECRET_NAMES[index % 3]} {SECRET_PHONE}",
            }  # fmt: skip
            seed.people.append(person)
            await tx.execute(
                "INSERT INTO people (id, telegram_id, first_name, language, village_code, "
                "created_at, village_set_at, deleted_at, blocked_at) VALUES (?,?,?,?,?,?,?,?,?)",
                (person["id"], person["telegram_id"], person["first_name"], person["language"],
                 village, to_db_time(created), to_db_time(created), _t(deleted),
                 _t(person["blocked_at"])),
            )  # fmt: skip
        for index in range(150):
            author = rng.choice(seed.people)
            created = _moment(rng)
            kind = rng.choice(["complaint", "complaint", "suggestion", "question"])
            status = rng.choice(["new", "in_progress", "answered", "resolved", "rejected"])
            due = (created + ZONE_OFFSET).date() + timedelta(days=rng.randrange(-3, 21))
            appeal = {
                "id": index + 1, "kind": kind, "person_id": author["id"],
                "village_code": author["village_code"], "category": rng.choice(CATEGORIES),
                "status": status, "due_on": due, "created_at": created,
            }  # fmt: skip
            seed.appeals.append(appeal)
            await tx.execute(
                "INSERT INTO appeals (id, year, seq, kind, person_id, village_code, "
                "handler_village_code, category, text, text_key, language, status, due_on, "
                "created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (index + 1, 2026, index + 1, kind, author["id"], author["village_code"],
                 author["village_code"], appeal["category"], f"{SECRET_TEXT} {index}",
                 f"key{index}", "ru", status, due.isoformat(), to_db_time(created),
                 to_db_time(created)),
            )  # fmt: skip
            if status in ("answered", "resolved", "rejected"):
                answered = created + timedelta(hours=rng.randrange(1, 400))
                seed.events.append({"appeal_id": index + 1, "action": status, "at": answered})
                await tx.execute(
                    "INSERT INTO appeal_events (appeal_id, action, actor_id, note, created_at) "
                    "VALUES (?, ?, 5001, ?, ?)",
                    (index + 1, status, f"{SECRET_TEXT} answer", to_db_time(answered)),
                )
        for index, starts in enumerate(
            [local(2026, 11, 24, 18), local(2026, 11, 29, 23, 30), local(2026, 11, 30, 0, 10),
             local(2026, 11, 26, 11), local(2026, 11, 18, 15)]
        ):  # fmt: skip
            status = ["held", "scheduled", "scheduled", "cancelled", "held"][index]
            villages = rng.sample(seed.villages, k=2)
            hearing = {"id": index + 1, "starts_at": starts, "status": status,
                       "villages": villages, "topic": f"Бюджет {index}",
                       "attendance": 30 + index if status == "held" else None,
                       "decisions": f"Шешім {index}" if status == "held" else None}  # fmt: skip
            seed.hearings.append(hearing)
            await tx.execute(
                "INSERT INTO hearings (id, topic, starts_at, place, agenda, status, created_by, "
                "created_at, updated_at, attendance, decisions) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (index + 1, hearing["topic"], to_db_time(starts), "Мәдениет үйі", "1. Бюджет",
                 status, 5001, to_db_time(starts), to_db_time(starts), hearing["attendance"],
                 hearing["decisions"]),
            )  # fmt: skip
            await tx.executemany(
                "INSERT INTO hearing_villages (hearing_id, village_code) VALUES (?, ?)",
                [(index + 1, code) for code in villages],
            )
            for person in rng.sample(seed.people, k=12):
                at = _moment(rng)
                seed.rsvps.append((index + 1, person["id"], at))
                await tx.execute(
                    "INSERT INTO hearing_rsvps (hearing_id, person_id, created_at) VALUES (?,?,?)",
                    (index + 1, person["id"], to_db_time(at)),
                )
        for appeal in seed.appeals:
            if appeal["kind"] == "question":
                hearing_id = rng.randrange(1, 6)
                appeal["hearing_id"] = hearing_id
                await tx.execute(
                    "UPDATE appeals SET hearing_id = ? WHERE id = ?", (hearing_id, appeal["id"])
                )
        for broadcast_id, at in ((1, local(2026, 11, 25, 10)), (2, local(2026, 11, 20, 10)),
                                 (3, local(2026, 11, 29, 23, 59))):  # fmt: skip
            seed.broadcasts[broadcast_id] = at
            await tx.execute(
                "INSERT INTO broadcasts (id, kind, created_by, payload, status, created_at) "
                "VALUES (?, 'notice', 5001, ?, 'done', ?)",
                (broadcast_id, json.dumps({"text": SECRET_TEXT}), to_db_time(at)),
            )
            for person in rng.sample(seed.people, k=40):
                status = rng.choice(["sent", "sent", "sent", "blocked", "failed", "skipped"])
                seed.outbox.append((broadcast_id, person["id"], status))
                await tx.execute(
                    "INSERT INTO outbox (broadcast_id, person_id, status) VALUES (?, ?, ?)",
                    (broadcast_id, person["id"], status),
                )
        await _seed_polls(tx, seed, rng)
        # Most villages have a population from the household register; one in four has none.
        for index, code in enumerate(seed.villages):
            population = None if index % 4 == 3 else rng.randrange(20, 60)
            seed.population[code] = population
            await tx.execute(
                "UPDATE villages SET population = ? WHERE code = ?", (population, code)
            )
    return seed


POLL_CLOSED = local(2026, 11, 26, 15)  # closed early: it was to close on the 28th
FOLLOW_UP = "Абай көшесі 2027 жылдың бюджетіне енгізілді"


async def _seed_polls(tx: Any, seed: Seed, rng: random.Random) -> None:
    """A single-choice poll closed early in week 48 with paper votes and a follow-up; a
    multiple-choice poll open through weeks 48-50."""
    places = seed.villages[:2]
    plans = (
        (1, "Қай көшені жөндейміз?", 1, local(2026, 11, 20, 10), local(2026, 11, 28, 20),
         POLL_CLOSED, FOLLOW_UP),
        (2, "Не салу керек?", 2, local(2026, 11, 24, 10), local(2026, 12, 10, 20), None, None),
    )  # fmt: skip
    for poll_id, question, choices, created, closes, closed, follow_up in plans:
        await tx.execute(
            "INSERT INTO polls (id, question, max_choices, may_change, results_early, closes_at, "
            "status, created_by, created_at, closed_at, follow_up) "
            "VALUES (?, ?, ?, 0, 0, ?, ?, 5001, ?, ?, ?)",
            (poll_id, question, choices, to_db_time(closes), "closed" if closed else "open",
             to_db_time(created), _t(closed), follow_up),
        )  # fmt: skip
        await tx.executemany(
            "INSERT INTO poll_options (poll_id, position, label) VALUES (?, ?, ?)",
            [(poll_id, n, label) for n, label in enumerate(["Абай", "Бейбітшілік", "Мектеп"])],
        )
        voters = [p for p in seed.people if p["village_code"] in places]
        end = closed or WEEK_END + timedelta(days=10)
        for person in voters[: len(voters) * 2 // 3]:
            at = (created + (end - created) * rng.random()).replace(microsecond=0)
            seed.votes.append((poll_id, person["id"], at))
            await tx.execute(
                "INSERT INTO poll_votes (poll_id, person_id, village_code, choices, voted_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (poll_id, person["id"], person["village_code"],
                 rng.choice([1, 2, 4, 3][: 2 + choices]), to_db_time(at)),
            )  # fmt: skip
        for code in places:
            living = sum(
                1 for p in seed.people if p["village_code"] == code and not p["deleted_at"]
            )
            left = sum(1 for poll, person, _ in seed.votes if poll == poll_id
                       and people_of(seed)[person]["village_code"] == code
                       and people_of(seed)[person]["deleted_at"])  # fmt: skip
            await tx.execute(
                "INSERT INTO poll_villages (poll_id, village_code, registered) VALUES (?, ?, ?)",
                (poll_id, code, living + left if closed else None),
            )
        if closed:  # its results went out (a restart publishes those of a poll that has none)
            await tx.execute(
                "INSERT INTO broadcasts (id, kind, ref_id, created_by, payload, status, "
                "created_at) VALUES (?, ?, ?, 5001, '{}', 'done', ?)",
                (100 + poll_id, RESULTS_KIND, poll_id, to_db_time(closed)),
            )
            await tx.executemany(
                "INSERT INTO poll_paper_votes (poll_id, village_code, position, votes, "
                "entered_by, entered_at) VALUES (?, ?, ?, ?, 5001, ?)",
                [(poll_id, places[0], 0, 6, to_db_time(created)),
                 (poll_id, places[0], 2, 3, to_db_time(created))],
            )  # fmt: skip


def people_of(seed: Seed) -> dict[int, dict[str, Any]]:
    """The seed's people by id."""
    return {p["id"]: p for p in seed.people}


def _t(moment: datetime | None) -> str | None:
    return to_db_time(moment) if moment else None


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole and part <= whole else None


@dataclass(frozen=True)
class Window:
    """A reported period as the naive recount sees it: ``[start, end)`` in UTC."""

    start: datetime = WEEK_START
    end: datetime = WEEK_END

    def __contains__(self, moment: object) -> bool:
        return isinstance(moment, datetime) and self.start <= moment < self.end

    @property
    def end_day(self) -> date:
        """The local day the period ends before."""
        return (self.end + ZONE_OFFSET).date()


def expected(seed: Seed, window: Window = Window()) -> dict[str, dict[str, Any]]:
    """Every per-village figure of the Overview and Participation sheets, counted naively."""
    people = {p["id"]: p for p in seed.people}
    figures: dict[str, dict[str, Any]] = {code: defaultdict(int) for code in seed.villages}

    def registered(person: dict[str, Any]) -> bool:
        deleted = person["deleted_at"]
        return bool(
            person["created_at"] < window.end and (deleted is None or deleted >= window.end)
        )

    for p in seed.people:
        f = figures.get(p["village_code"])
        if f is None or p["created_at"] >= window.end:
            continue
        if registered(p):
            f["registered"] += 1
            f["lang_" + (p["language"] or "none")] += 1
        f["new"] += p["created_at"] in window
        f["departed"] += p["deleted_at"] in window or (
            p["deleted_at"] is None and p["blocked_at"] in window
        )
    active: dict[str, set[int]] = defaultdict(set)
    doings = [(a["person_id"], a["created_at"]) for a in seed.appeals]
    doings += [(person_id, at) for _, person_id, at in seed.rsvps]
    doings += [(person_id, at) for _, person_id, at in seed.votes]
    for person_id, at in doings:
        if at in window and registered(people[person_id]):
            active[people[person_id]["village_code"]].add(person_id)
    answered_by = {e["appeal_id"]: e["at"] for e in seed.events}
    for a in seed.appeals:
        f = figures.get(a["village_code"])
        if f is None or a["kind"] == "question":
            continue
        if a["created_at"] in window:
            f[a["kind"] + "s"] += 1
        answered = answered_by.get(a["id"])
        if (a["created_at"] < window.end and a["due_on"] < window.end_day
                and (answered is None or answered >= window.end)):  # fmt: skip
            f["overdue"] += 1
        if answered in window:
            days = (answered - a["created_at"]).total_seconds() / 86400
            f.setdefault("answer_days", []).append(days)
            f["on_time"] += (answered + ZONE_OFFSET).date() <= a["due_on"]
    for h in seed.hearings:
        if h["starts_at"] in window and h["status"] != "cancelled":
            for code in h["villages"]:
                figures[code]["hearings"] += 1
                figures[code]["attended"] += h["attendance"] or 0
            for hearing_id, person_id, _ in seed.rsvps:
                code = people[person_id]["village_code"]
                if hearing_id == h["id"] and code in figures:
                    figures[code]["coming"] += 1
    for broadcast_id, person_id, status in seed.outbox:
        code = people[person_id]["village_code"]
        if code in figures and seed.broadcasts[broadcast_id] in window:
            figures[code]["delivered"] += status == "sent"
            figures[code]["messages"] += 1
    for _, person_id, at in seed.votes:
        code = people[person_id]["village_code"]
        if code in figures and at in window:
            figures[code]["poll_votes"] += 1
    for code, f in figures.items():
        f["active"] = len(active[code])
        f["active_share"] = _share(f["active"], f["registered"])
        days = sorted(f.get("answer_days", []))
        f["answered"] = len(days)
        f["on_time_share"] = _share(f["on_time"], len(days))
        f["median_days"] = round(statistics.median(days), 1) if days else None
    return figures


def expected_appeals(seed: Seed, window: Window = Window()) -> Counter[tuple[str, str, str, str]]:
    """(village, kind, category, status) of the complaints and suggestions of the period."""
    return Counter(
        (a["village_code"], a["kind"], a["category"], a["status"])
        for a in seed.appeals
        if a["kind"] != "question" and a["created_at"] in window
        and a["village_code"] in seed.villages
    )  # fmt: skip
