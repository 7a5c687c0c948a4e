"""A resident blocking or unblocking the bot: remembered at once, not at the next broadcast."""

from __future__ import annotations

from telegram import ChatMember, Update
from telegram.ext import ChatMemberHandler

from bot.context import QatysuApp, QatysuContext
from storage import people


async def membership_changed(update: Update, context: QatysuContext) -> None:
    """Mark the person blocked when they stop the bot; the session unblocks them on return."""
    change = update.my_chat_member
    if change is None or context.person is None:
        return
    if change.new_chat_member.status == ChatMember.BANNED:
        await people.mark_blocked(context.services.db, context.person.id)


def register(app: QatysuApp) -> None:
    """Register the handler of the bot's own membership in private chats."""
    app.add_handler(ChatMemberHandler(membership_changed, ChatMemberHandler.MY_CHAT_MEMBER))
