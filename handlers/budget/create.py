"""/newbudget: staff open a budget cycle for a village or a rural okrug of their area.

Place (a whole okrug in one tap, or a village) → title → amount → rule → ballot (within the
budget, or approval of up to K) → who votes → how long each phase lasts → a preview of the
announcement with the number of recipients → announce. A persistent dialog with its draft saved
at every step; the place is checked again when staff confirm (a role can be revoked meanwhile).
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CommandHandler, ConversationHandler, MessageHandler, filters

from bot import callbacks
from bot.auth import refuse, requires
from bot.budget import service, texts
from bot.budget.rules import Rule
from bot.budget.service import MAX_TITLE, PLANS
from bot.context import QatysuApp, QatysuContext
from bot.i18n import sort_key
from bot.territory import okrugs_of
from handlers.budget.common import answer, send
from handlers.widgets import village_picker
from handlers.widgets.dialogs import Dialog, DialogDraft, Drafts, cancel_step, tap
from handlers.widgets.keyboards import button, paged
from storage import broadcasts as broadcasts_repo
from storage.budget import BallotKind, Cycle, Electorate, NewCycle, Phase
from storage.db import utcnow
from storage.models import Role, Village

FEATURE = callbacks.Feature.NEW_BUDGET
DIALOG = "newbudget"
PLACE, TITLE, AMOUNT, RULE, BALLOT, MAXIMUM, ELECTORATE, PLAN, CONFIRM = range(9)
END = ConversationHandler.END
APPROVAL_CHOICES = (2, 3, 4, 5, 7, 10)


@dataclass(slots=True)
class NewBudgetDraft(DialogDraft):
    """The cycle being opened."""

    kind: str | None = None  # "o": a rural okrug, "v": a village
    code: str | None = None
    title: str | None = None
    amount: int | None = None
    rule: str | None = None
    ballot: str | None = None
    max_choices: int | None = None
    electorate: str | None = None
    plan: str | None = None


DRAFTS = Drafts(DIALOG, NewBudgetDraft)


async def _save(update: Update, context: QatysuContext, **values: object) -> NewBudgetDraft:
    """Set some of the draft's fields, store it, and return it."""
    return await DRAFTS.keep(update, context, **values)


async def places(update: Update, context: QatysuContext) -> list[tuple[str, str, str]]:
    """What staff may open a cycle for: (kind, code, label), whole okrugs first, by name."""
    tr = context.tr
    villages = await village_picker.in_scope(update, context)
    found = []
    for code, group in okrugs_of(villages).items():
        if await service.okrug_whole(context.services, code, villages):
            names = group[0].okrug_names
            name = names.get(tr.language) if names is not None else code
            found.append(
                (
                    "o",
                    code,
                    tr.t("picker.okrug", okrug=name, villages=tr.nt("picker.count", len(group))),
                )
            )
    okrugs = sorted(found, key=lambda f: sort_key(f[2]))
    single = [("v", v.code, v.names.get(tr.language)) for v in villages]
    return okrugs + single


@requires(Role.STAFF)
async def start(update: Update, context: QatysuContext) -> int:
    """Ask for the village or okrug (/newbudget)."""
    assert update.effective_user is not None
    await DRAFTS.save(update, context, NewBudgetDraft())
    return await ask_place(update, context)


async def ask_place(update: Update, context: QatysuContext, page: int = 0) -> int:
    """Show the staff's okrugs and villages, a page at a time."""
    tr = context.tr
    choices = [
        (label, callbacks.build(FEATURE, "pl", kind, code))
        for kind, code, label in await places(update, context)
    ]
    markup = paged(tr, choices, page, lambda p: callbacks.build(FEATURE, "pp", p))
    query = update.callback_query
    if query is not None and callbacks.parse(query.data).action == "pp":
        await query.answer()
        await query.edit_message_reply_markup(markup)
    else:
        await send(update, context, tr.t("budget.ask_place_of_cycle"), markup)
    return PLACE


async def turn_page(update: Update, context: QatysuContext) -> int:
    """Another page of places."""
    query = update.callback_query
    assert query is not None
    return await ask_place(update, context, callbacks.parse(query.data).int_arg(0))


async def _tap(update: Update) -> tuple[str, ...]:
    query = update.callback_query
    assert query is not None
    await query.answer()
    await query.edit_message_reply_markup(None)
    return callbacks.parse(query.data).args


async def take_place(update: Update, context: QatysuContext) -> int:
    """Keep the place (in scope), ask for the title."""
    assert update.effective_user is not None
    parsed = callbacks.parse(update.callback_query.data if update.callback_query else None)
    kind, code = parsed.arg(0), parsed.arg(1)
    if (kind, code) not in {(k, c) for k, c, _ in await places(update, context)}:
        await refuse(update, context, "auth.out_of_scope", f"budget place {kind}:{code}")
        return PLACE
    await _tap(update)
    await _save(update, context, kind=kind, code=code)
    return await ask_title(update, context)


async def ask_title(update: Update, context: QatysuContext) -> int:
    """Ask for the cycle's title (e.g. «Budget 2027»)."""
    await send(update, context, context.tr.t("budget.ask_cycle_title", limit=MAX_TITLE))
    return TITLE


async def take_title(update: Update, context: QatysuContext) -> int:
    """Keep the title, ask for the amount."""
    message = update.effective_message
    assert message is not None and update.effective_user is not None
    text = (message.text or "").strip()
    if not text or len(text) > MAX_TITLE:
        await message.reply_text(context.tr.t("budget.too_long", limit=MAX_TITLE))
        return TITLE
    await _save(update, context, title=text)
    return await ask_amount(update, context)


async def ask_amount(update: Update, context: QatysuContext) -> int:
    """Ask for the amount in tenge."""
    await send(update, context, context.tr.t("budget.ask_amount"))
    return AMOUNT


async def take_amount(update: Update, context: QatysuContext) -> int:
    """Keep the amount, ask for the rule."""
    message = update.effective_message
    assert message is not None and update.effective_user is not None
    amount = service.parse_tenge(message.text or "")
    if amount is None:
        await message.reply_text(context.tr.t("budget.cost_bad"))
        return AMOUNT
    await _save(update, context, amount=amount)
    return await ask_rule(update, context)


async def _ask_choice(
    update: Update, context: QatysuContext, question_key: str, action: str, labels: dict[str, str]
) -> None:
    """Ask a question answered by one button per choice (its value: its label), one a row."""
    rows = [[button(label, FEATURE, action, value)] for value, label in labels.items()]
    await send(update, context, context.tr.t(question_key), InlineKeyboardMarkup(rows))


async def ask_rule(update: Update, context: QatysuContext) -> int:
    """Greedy by votes, or the Method of Equal Shares."""
    tr = context.tr
    labels = {r.value: tr.t(f"budget.rule_button.{r.value}") for r in Rule}
    await _ask_choice(update, context, "budget.ask_rule", "rule", labels)
    return RULE


async def take_rule(update: Update, context: QatysuContext) -> int:
    """Keep the rule, ask for the kind of ballot."""
    assert update.effective_user is not None
    (rule,) = await _tap(update)
    await _save(update, context, rule=Rule(rule).value)
    return await ask_ballot(update, context)


async def ask_ballot(update: Update, context: QatysuContext) -> int:
    """Within the budget, or approval of up to K projects."""
    tr = context.tr
    labels = {k.value: tr.t(f"budget.ballot_button.{k.value}") for k in BallotKind}
    await _ask_choice(update, context, "budget.ask_ballot", "bk", labels)
    return BALLOT


async def take_ballot(update: Update, context: QatysuContext) -> int:
    """Within the budget goes on; approval asks for K."""
    assert update.effective_user is not None
    (kind,) = await _tap(update)
    await _save(update, context, ballot=BallotKind(kind).value)
    if BallotKind(kind) is BallotKind.APPROVAL:
        return await ask_maximum(update, context)
    return await ask_electorate(update, context)


async def ask_maximum(update: Update, context: QatysuContext) -> int:
    """How many projects a resident may approve at most."""
    buttons = [button(str(n), FEATURE, "max", n) for n in APPROVAL_CHOICES]
    await send(update, context, context.tr.t("budget.ask_max"), InlineKeyboardMarkup([buttons]))
    return MAXIMUM


async def take_maximum(update: Update, context: QatysuContext) -> int:
    """Keep K, ask who votes."""
    assert update.effective_user is not None
    (maximum,) = await _tap(update)
    await _save(update, context, max_choices=int(maximum))
    return await ask_electorate(update, context)


async def ask_electorate(update: Update, context: QatysuContext) -> int:
    """All residents of the villages, or the verified ones."""
    tr = context.tr
    labels = {e.value: tr.t(f"budget.electorate_button.{e.value}") for e in Electorate}
    await _ask_choice(update, context, "budget.ask_electorate", "el", labels)
    return ELECTORATE


async def take_electorate(update: Update, context: QatysuContext) -> int:
    """Keep who votes, ask how long the phases last."""
    assert update.effective_user is not None
    (electorate,) = await _tap(update)
    await _save(update, context, electorate=Electorate(electorate).value)
    return await ask_plan(update, context)


async def ask_plan(update: Update, context: QatysuContext) -> int:
    """The phases' lengths: three plans, each with its days."""
    tr = context.tr
    rows = []
    for name, plan in PLANS.items():
        label = tr.t(
            "budget.plan",
            proposals=plan.proposals,
            screening=plan.screening,
            voting=plan.voting,
            results=plan.results,
        )
        rows.append([button(label, FEATURE, "plan", name)])
    await send(update, context, tr.t("budget.ask_plan"), InlineKeyboardMarkup(rows))
    return PLAN


async def take_plan(update: Update, context: QatysuContext) -> int:
    """Keep the plan; preview the announcement."""
    assert update.effective_user is not None
    (plan,) = await _tap(update)
    await _save(update, context, plan=plan if plan in PLANS else "standard")
    return await preview(update, context)


async def _new_cycle(
    update: Update, context: QatysuContext, draft: NewBudgetDraft
) -> NewCycle | None:
    """The cycle of a finished draft, dated from now; None when its place left the scope (or
    a step is missing)."""
    assert update.effective_user is not None
    villages: list[Village] = await village_picker.in_scope(update, context)
    if (draft.kind, draft.code) not in {(k, c) for k, c, _ in await places(update, context)}:
        return None
    if None in (draft.code, draft.title, draft.amount, draft.rule, draft.ballot, draft.electorate):
        return None
    assert draft.code is not None and draft.title is not None and draft.amount is not None
    scope_kind = "okrug" if draft.kind == "o" else "village"
    plan = PLANS.get(draft.plan or "", PLANS["standard"])
    dates = service.phase_dates(plan, utcnow(), context.services.settings.zone)
    ballot = BallotKind(str(draft.ballot))
    return NewCycle(
        title=draft.title,
        scope_kind=scope_kind,
        scope_code=draft.code,
        village_codes=service.scope_villages(scope_kind, draft.code, villages),
        amount=draft.amount,
        rule=str(draft.rule),
        ballot_kind=ballot,
        max_choices=draft.max_choices if ballot is BallotKind.APPROVAL else None,
        electorate=Electorate(str(draft.electorate)),
        opened_at=dates[0],
        screening_at=dates[1],
        voting_at=dates[2],
        results_at=dates[3],
        implementation_at=dates[4],
        created_by=update.effective_user.id,
    )


def _shown(new: NewCycle) -> Cycle:
    return Cycle(
        id=0,
        title=new.title,
        scope_kind=new.scope_kind,
        scope_code=new.scope_code,
        village_codes=new.village_codes,
        amount=new.amount,
        rule=new.rule,
        ballot_kind=new.ballot_kind,
        max_choices=new.max_choices,
        electorate=new.electorate,
        phase=Phase.PROPOSALS,
        opened_at=new.opened_at,
        screening_at=new.screening_at,
        voting_at=new.voting_at,
        results_at=new.results_at,
        implementation_at=new.implementation_at,
        created_by=new.created_by,
    )


async def preview(update: Update, context: QatysuContext) -> int:
    """The announcement as residents will read it, and its recipients, to confirm."""
    assert update.effective_user is not None
    tr = context.tr
    new = await _new_cycle(update, context, await DRAFTS.load(update, context))
    if new is None:
        await send(update, context, tr.t("auth.out_of_scope"))
        return await ask_place(update, context)
    cycle = _shown(new)
    names = await service.place_names(context.services, cycle)
    await send(
        update, context, texts.announcement(tr, cycle, texts.place(names, tr, new.scope_code))
    )
    count = await broadcasts_repo.count_audience(context.services.db, new.village_codes)
    markup = InlineKeyboardMarkup(
        [
            [
                button(tr.t("budget.announce"), FEATURE, "go"),
                button(tr.t("budget.cancel"), FEATURE, "cancel"),
            ]
        ]
    )
    text = tr.t(
        "budget.confirm",
        recipients=tr.nt("broadcast.recipients", count),
        villages=tr.nt("picker.count", len(new.village_codes)),
    )
    await send(update, context, text, markup)
    return CONFIRM


async def publish(update: Update, context: QatysuContext) -> int:
    """Open and announce the cycle (its place checked again, its dates from now)."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    assert update.effective_chat is not None
    tr = context.tr
    new = await _new_cycle(update, context, await DRAFTS.load(update, context))
    if new is None or not new.village_codes:
        await query.answer(tr.t("auth.out_of_scope"), show_alert=True)
        return END
    await answer(update)
    await query.edit_message_reply_markup(None)
    await service.create(context.services, new, (update.effective_chat.id, tr))
    await DRAFTS.drop(update, context)
    return END


cancel = cancel_step(DIALOG)


async def use_buttons(update: Update, context: QatysuContext) -> None:
    """Remind staff to tap a button at this step."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(context.tr.t("budget.use_step"))


def register(app: QatysuApp) -> None:
    """Register the /newbudget conversation (persistent: it survives a restart)."""
    text = filters.TEXT & ~filters.COMMAND
    dialog = Dialog(
        DIALOG,
        entry_points=[CommandHandler("newbudget", start)],
        states={
            PLACE: [tap(FEATURE, take_place, "pl"), tap(FEATURE, turn_page, "pp")],
            TITLE: [MessageHandler(text, take_title)],
            AMOUNT: [MessageHandler(text, take_amount)],
            RULE: [tap(FEATURE, take_rule, "rule")],
            BALLOT: [tap(FEATURE, take_ballot, "bk")],
            MAXIMUM: [tap(FEATURE, take_maximum, "max")],
            ELECTORATE: [tap(FEATURE, take_electorate, "el")],
            PLAN: [tap(FEATURE, take_plan, "plan")],
            CONFIRM: [tap(FEATURE, publish, "go"), tap(FEATURE, cancel, "cancel")],
        },
        prompts={
            PLACE: ask_place,
            TITLE: ask_title,
            AMOUNT: ask_amount,
            RULE: ask_rule,
            BALLOT: ask_ballot,
            MAXIMUM: ask_maximum,
            ELECTORATE: ask_electorate,
            PLAN: ask_plan,
            CONFIRM: preview,
        },
        draft=DIALOG,
        cancel=cancel,
        fallbacks=[MessageHandler(~filters.COMMAND & ~filters.StatusUpdate.ALL, use_buttons)],
    )
    app.add_handler(dialog)
