"""Telegram handlers, one module per feature; :func:`register_all` wires them in order.

Handlers schedule no timed job: :func:`bot.jobs.schedule_all` lists them all.
"""

from __future__ import annotations

from bot.context import QatysuApp
from handlers import behalf as on_behalf
from handlers import (
    corrections,
    errors,
    fallbacks,
    flood,
    keyboard,
    language,
    loose,
    meetings,
    membership,
    menu,
    notice_review,
    onboarding,
    paper,
    privacy,
    reports,
    residents,
    session,
    village,
)
from handlers import notices as broadcasts
from handlers.appeals import inbox, inbox_handoff
from handlers.appeals import inbox_typing as inbox_dialogs
from handlers.appeals import intake as complaints
from handlers.appeals import mine as my_appeals
from handlers.budget import ballot as budget_ballots
from handlers.budget import create as newbudget
from handlers.budget import manage as budget_admin
from handlers.budget import propose as budget_proposals
from handlers.budget import resident as budgets
from handlers.budget import staff as budget_staff_dialogs
from handlers.hearings import create as hearing_new
from handlers.hearings import manage as hearing_manage
from handlers.hearings import resident as hearings
from handlers.polls import create as newpoll
from handlers.polls import follow_up as poll_follow_up
from handlers.polls import manage as poll_admin
from handlers.polls import protocols as paper_votes
from handlers.polls import vote as polls
from handlers.verification import resident as verification
from handlers.verification import staff as verify_queue
from handlers.widgets import dialogs


def register_all(app: QatysuApp) -> None:
    """Register every handler. Order matters: within a group the first match wins."""
    # Group -2: drop a flood of updates from one person before it costs anything.
    flood.register(app)
    # Group -1 and 99: claim the update, load the person and language; flush dialog state.
    session.register(app)
    # Vote buttons first: whatever dialog is open, a tap on a poll is a vote (the hot path).
    polls.register_buttons(app)
    budget_ballots.register_buttons(app)  # ticks and Vote on a budget ballot, likewise
    # The reply menu's presses: whatever dialog is open, as its commands (before any text step).
    keyboard.register(app)
    # A dialog's command or entry button while a dialog is open: start over, or "finish first".
    dialogs.register(app)
    # Dialogs first, so that their steps see the text and buttons meant for them.
    inbox_dialogs.register(app)  # staff typing an answer, comment or reason
    inbox_handoff.register(app)  # staff forwarding with a note, to another body; eOtinish number
    complaints.register(app)  # a resident writing a complaint or suggestion
    broadcasts.register(app)  # staff writing a notice
    hearing_new.register(app)  # staff announcing a meeting or a public hearing
    hearing_manage.register(app)  # staff postponing, cancelling or concluding one
    corrections.register(app)  # staff correcting a published hearing, poll or notice
    meetings.register(app)  # an assembly's members and outcome; answers to questions in advance
    hearings.register(app)  # a resident asking a question before a meeting; /meetings
    newpoll.register(app)  # staff creating a poll
    paper_votes.register(app)  # staff entering a meeting's protocol of paper votes
    poll_admin.register(app)  # their polls' buttons
    poll_follow_up.register(app)  # staff recording what was done after a poll
    verification.register(app)  # a resident sharing their phone to be verified
    verify_queue.register(app)  # staff typing a rejection's reason; /verify and its buttons
    budget_proposals.register(app)  # a resident proposing a project
    newbudget.register(app)  # staff opening a budget cycle
    budget_staff_dialogs.register(app)  # staff typing a cost, a reason, a protocol, a report
    on_behalf.register(app)  # staff entering what a resident without Telegram brought
    onboarding.register(app)  # last: its "use the buttons" answer takes any stray text
    # Stateless commands and buttons of residents.
    language.register(app)
    village.register(app)  # a move: confirm, stay, ask staff; staff decide
    menu.register(app)
    privacy.register(app)
    my_appeals.register(app)
    polls.register(app)  # /polls and its buttons
    budgets.register(app)  # /budget, a cycle's page, proposals, results
    # Staff and coordinators (each handler guarded by bot.auth).
    residents.register(app)
    inbox.register(app)  # /inbox and the buttons on items
    inbox_handoff.register_buttons(app)  # forward targets, other bodies, formal appeal
    reports.register(app)  # /summary, the workbook button
    notice_review.register(app)  # /notices; approving, rejecting, withdrawing notices
    paper.register(app)  # the notice-board PDF of a hearing or poll
    budget_admin.register(app)  # the budget cycles of the staff's area
    membership.register(app)  # a resident blocking the bot
    # Text and voice outside any dialog: typed answers understood, anything else kept.
    loose.register(app)
    # Whatever is left: stale buttons, stray text, /cancel outside a dialog.
    fallbacks.register(app)
    errors.register(app)
