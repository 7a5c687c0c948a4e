"""What the broadcast engine sends for budget cycles, from each broadcast's payload alone.

The announcement, the ballot, the results with their chart, a proposer's screening, a funded
project's progress, and the author's notices. A restart renders the same message again.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks
from bot.broadcast.engine import Outgoing, Renderer
from bot.budget import chart as budget_chart
from bot.budget import service, texts
from bot.budget.texts import Item, button, clip, money
from bot.i18n import Translator
from storage.broadcasts import Broadcast
from storage.budget import Cycle, Progress
from storage.db import from_db_time
from storage.models import Names

_LOGGER = logging.getLogger(__name__)
MAX_CAPTION = 1024
STAFF_FEATURE = callbacks.Feature.BUDGET_STAFF


def _where(payload: dict[str, Any], tr: Translator) -> str:
    names = payload.get("place")
    return texts.place(Names(**names) if names else None, tr, str(payload.get("scope_code")))


def items_of(payload: dict[str, Any]) -> list[Item]:
    """The ballot's projects of a payload."""
    return [
        Item(int(i["number"]), str(i["title"]), int(i["price"]), i["position"])
        for i in payload.get("items", [])
    ]


def _page(tr: Translator, cycle_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[button(tr.t("budget.page_button"), "page", cycle_id)]])


async def render_open(broadcast: Broadcast, tr: Translator) -> Outgoing:
    """The announcement, with Propose and the cycle's page."""
    cycle = service.cycle_of(broadcast.payload)
    text = texts.announcement(tr, cycle, _where(broadcast.payload, tr))
    return Outgoing(text=text, markup=texts.open_keyboard(tr, cycle.id))


async def render_voting(broadcast: Broadcast, tr: Translator) -> Outgoing:
    """The ballot with its buttons, nothing chosen yet."""
    cycle = service.cycle_of(broadcast.payload)
    items = items_of(broadcast.payload)
    text = texts.ballot_text(tr, cycle, _where(broadcast.payload, tr), items, 0, 0)
    return Outgoing(text=text, markup=texts.ballot_keyboard(tr, cycle, items, 0))


def results_text(tr: Translator, cycle: Cycle, where: str, payload: dict[str, Any]) -> str:
    """The results: ballots, what was funded, what was not."""
    results = payload.get("results", {})
    votes, paper = results.get("votes", {}), results.get("paper", {})
    funded = {int(f["id"]): f for f in payload.get("funded_items", [])}
    lines = [
        tr.t("budget.results_title", title=cycle.title, place=where),
        tr.t("budget.amount", amount=money(tr, cycle.amount)),
        texts.rule_line(tr, cycle),
        tr.t(
            "budget.ballots_count",
            bot=tr.number(results.get("voters", 0)),
            paper=tr.number(results.get("paper_ballots", 0)),
        ),
        tr.t(
            "budget.spent",
            spent=texts.of_budget(tr, results.get("spent", 0), cycle.amount),
            count=tr.nt("budget.projects", len(funded)),
        ),
        "",
    ]
    order = sorted(funded.values(), key=lambda f: int(f["funded"]))
    for item in order:
        key = str(item["id"])
        count = int(votes.get(key, 0)) + int(paper.get(key, 0))
        lines.append(
            f"✅ {item['number']}. {clip(str(item['title']), 50)} — "
            f"{money(tr, int(item['price']))}, {tr.nt('budget.votes', count)}"
        )
    passed = [i for i in payload.get("items", []) if int(i["id"]) not in funded]
    if passed:
        lines += ["", tr.t("budget.not_funded")]
        for item in passed:
            key = str(item["id"])
            count = int(votes.get(key, 0)) + int(paper.get(key, 0))
            lines.append(
                f"▫️ {item['number']}. {clip(str(item['title']), 40)} "
                f"({tr.nt('budget.votes', count)})"
            )
    lines += ["", tr.t("budget.more_on_page")]
    return "\n".join(lines)


def results_picture(tr: Translator, cycle: Cycle, payload: dict[str, Any]) -> budget_chart.Picture:
    """The chart of the results in the reader's language."""
    results = payload.get("results", {})
    funded = {int(f["id"]) for f in payload.get("funded_items", [])}
    items = payload.get("items", [])
    return budget_chart.picture(
        title=tr.t("budget.chart_title", title=cycle.title, amount=money(tr, cycle.amount)),
        labels=[f"{i['number']}. {i['title']} ({money(tr, int(i['price']))})" for i in items],
        bot=[int(results.get("votes", {}).get(str(i["id"]), 0)) for i in items],
        paper=[int(results.get("paper", {}).get(str(i["id"]), 0)) for i in items],
        funded=[int(i["id"]) in funded for i in items],
        legend=(
            tr.t("budget.chart_funded"),
            tr.t("budget.chart_passed"),
            tr.t("budget.chart_paper"),
        ),
        axis=tr.t("budget.chart_votes"),
    )


async def render_results(broadcast: Broadcast, tr: Translator) -> Outgoing:
    """The results as a caption under the chart (the whole list on the cycle's page)."""
    payload = broadcast.payload
    cycle = service.cycle_of(payload)
    text = results_text(tr, cycle, _where(payload, tr), payload)
    markup = _page(tr, cycle.id)
    try:
        shown = results_picture(tr, cycle, payload)
        path = await budget_chart.chart(Path(payload["charts"]), cycle.id, tr.language, shown)
    except Exception:  # no chart is better than no results
        _LOGGER.exception("Chart of budget cycle %s not drawn", cycle.id)
        return Outgoing(text=clip(text, 4000), markup=markup)
    return Outgoing(text=clip(text, MAX_CAPTION), markup=markup, photo=path)


async def render_screened(broadcast: Broadcast, tr: Translator) -> Outgoing:
    """The proposer hears what became of their proposal."""
    p = broadcast.payload
    values = {"number": tr.number(p["number"]), "project": p["project"], "title": p["title"]}
    status = str(p["status"])
    if status == "accepted":
        text = tr.t(
            "budget.screened.accepted",
            cost=money(tr, int(p["cost"])),
            when=tr.datetime(from_db_time(p["voting_at"])),
            **values,
        )
    elif status == "rejected":
        text = tr.t("budget.screened.rejected", reason=p.get("reason") or "", **values)
    else:
        text = tr.t("budget.screened.merged", into=tr.number(p.get("into") or 0), **values)
    return Outgoing(text=text, markup=_page(tr, int(p["cycle"])))


async def render_update(broadcast: Broadcast, tr: Translator) -> Outgoing:
    """A funded project's progress, with the photo staff sent, to those who voted for it."""
    p = broadcast.payload
    progress = texts.progress_name(tr, Progress(p["progress"]))
    lines = [
        tr.t(
            "budget.update_title",
            number=tr.number(p["number"]),
            project=p["project"],
            title=p["title"],
        ),
        progress,
    ]
    if p.get("note"):
        lines += ["", str(p["note"])]
    text = "\n".join(lines)
    photo = p.get("photo")
    limit = MAX_CAPTION if photo else 4000
    return Outgoing(text=clip(text, limit), markup=_page(tr, int(p["cycle"])), photo=photo)


async def render_staff(broadcast: Broadcast, tr: Translator) -> Outgoing:
    """The author hears that proposals closed (to screen), or that voting could not open."""
    p = broadcast.payload
    cycle = service.cycle_of(p)
    card = callbacks.build(STAFF_FEATURE, "card", cycle.id)
    markup = InlineKeyboardMarkup.from_button(
        InlineKeyboardButton(tr.t("budget.manage_button"), callback_data=card)
    )
    if p["what"] == "cancelled":
        return Outgoing(text=tr.t("budget.staff.cancelled", title=cycle.title), markup=markup)
    text = tr.t(
        "budget.staff.screening",
        title=cycle.title,
        proposals=tr.nt("budget.proposals", int(p["proposals"])),
        waiting=tr.number(int(p["waiting"])),
        when=tr.datetime(cycle.voting_at),
    )
    return Outgoing(text=text, markup=markup)


def renderers() -> dict[str, Renderer]:
    """Every budget broadcast kind and its renderer."""
    return {
        service.OPEN_KIND: render_open,
        service.VOTING_KIND: render_voting,
        service.RESULTS_KIND: render_results,
        service.SCREENED_KIND: render_screened,
        service.UPDATE_KIND: render_update,
        service.STAFF_KIND: render_staff,
    }
