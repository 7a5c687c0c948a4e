"""What Telegram refuses in a request's own content, before it looks at chats or files.

Lengths of texts and captions, inline keyboards and their callback data, album sizes, command
menus and callback answers: each refusal carries Telegram's own code and description, so the
bot meets in tests exactly the ``BadRequest`` it would meet in production.
"""

from __future__ import annotations

import json
import re
from typing import Any

from telegram.constants import (
    BotCommandLimit,
    CallbackQueryLimit,
    InlineKeyboardButtonLimit,
    InlineKeyboardMarkupLimit,
    MediaGroupLimit,
    MessageLimit,
)

from bot.simulator.errors import ApiError

Json = dict[str, Any]

WRONG_FILE = "Bad Request: wrong file identifier/HTTP URL specified"
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
TEXT_EMPTY = "Bad Request: message text is empty"
CAPTION_TOO_LONG = "Bad Request: message caption is too long"
# The single-file field of each send method: a file id, an http(s) URL or an upload.
FILE_FIELDS = {
    "sendPhoto": "photo", "sendDocument": "document", "sendVoice": "voice",
    "sendAudio": "audio", "sendVideo": "video", "sendAnimation": "animation",
    "sendSticker": "sticker", "sendVideoNote": "video_note",
}  # fmt: skip
_FILE_TYPE_NAMES = {"video_note": "VideoNote"}


def file_type_mismatch(actual: str, wanted: str) -> str:
    """Telegram's refusal of a file id sent as another kind of file."""

    def named(kind: str) -> str:
        return _FILE_TYPE_NAMES.get(kind, kind.capitalize())

    return f"Bad Request: can't use file of type {named(actual)} as {named(wanted)}"


_CAPTIONED = frozenset(FILE_FIELDS) | {"editMessageCaption", "copyMessage"}
# What makes an inline button do something; a button with none of these is refused.
_BUTTON_ACTIONS = frozenset(
    {
        "callback_data", "url", "web_app", "login_url", "switch_inline_query",
        "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
        "callback_game", "pay",
    }
)  # fmt: skip
_COMMAND = re.compile(rf"[a-z0-9_]{{{BotCommandLimit.MIN_COMMAND},{BotCommandLimit.MAX_COMMAND}}}")
_LANGUAGE = re.compile(r"[a-z]{2}")


def bad(description: str) -> ApiError:
    """A 400 answer with Telegram's description."""
    return ApiError(400, description)


def decoded(value: Any) -> Any:
    """A JSON parameter as an object (form bodies carry it as a string)."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise bad("Bad Request: can't parse JSON object") from None
    return value


def check_request(method: str, params: Json) -> None:
    """Refuse a request whose content Telegram would not take, whatever chat it is for."""
    if method == "sendMessage":
        check_text(params.get("text"), edit=False)
    elif method == "editMessageText":
        check_text(params.get("text"), edit=True)
    elif method == "sendMediaGroup":
        check_album(media_items(params))
    elif method == "answerCallbackQuery":
        text = str(params.get("text") or "")
        if len(text) > CallbackQueryLimit.ANSWER_CALLBACK_QUERY_TEXT_LENGTH:
            raise bad("Bad Request: MESSAGE_TOO_LONG")
    elif method == "setMyCommands":
        check_commands(params)
    if method in _CAPTIONED:
        check_caption(params.get("caption"))
    if params.get("reply_markup"):
        check_markup(decoded(params["reply_markup"]))


def check_text(text: Any, *, edit: bool) -> None:
    """A message text: 1 to 4,096 characters, not only blanks."""
    text = "" if text is None else str(text)
    if not text.strip():
        raise bad(TEXT_EMPTY)
    if len(text) > MessageLimit.MAX_TEXT_LENGTH:
        # Telegram answers an edit in its MTProto wording.
        raise bad("Bad Request: MESSAGE_TOO_LONG" if edit else "Bad Request: message is too long")


def check_caption(caption: Any) -> None:
    """A caption: at most 1,024 characters."""
    if caption is not None and len(str(caption)) > MessageLimit.CAPTION_LENGTH:
        raise bad(CAPTION_TOO_LONG)


def inline_rows(markup: Any) -> list[list[Json]]:
    """The rows of an inline keyboard ([] for any other markup, or none)."""
    if not isinstance(markup, dict):
        return []
    rows = markup.get("inline_keyboard")
    return [list(row) for row in rows] if isinstance(rows, list) else []


def check_reply_keyboard(markup: Any) -> None:
    """A reply keyboard (under the input field): rows of buttons, each with a text."""
    if not isinstance(markup, dict) or "keyboard" not in markup:
        return
    rows = markup["keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad("Bad Request: can't parse reply keyboard markup JSON object")
    for row in rows:
        for button in row:
            text = button.get("text") if isinstance(button, dict) else button
            if not isinstance(text, str) or not text:
                raise bad("Bad Request: can't parse keyboard button: Text must be non-empty")


def check_markup(markup: Any) -> None:
    """An inline keyboard: at most 100 buttons, 8 a row; callback data of 1 to 64 bytes."""
    check_reply_keyboard(markup)
    rows = inline_rows(markup)
    buttons = [button for row in rows for button in row]
    if len(buttons) > InlineKeyboardMarkupLimit.TOTAL_BUTTON_NUMBER or any(
        len(row) > InlineKeyboardMarkupLimit.BUTTONS_PER_ROW for row in rows
    ):
        raise bad("Bad Request: reply markup is too long")
    for button in buttons:
        if not _BUTTON_ACTIONS & set(button):
            raise bad(
                "Bad Request: can't parse inline keyboard button: "
                "Text buttons are unallowed in the inline keyboard"
            )
        data = button.get("callback_data")
        if data is not None and not (
            InlineKeyboardButtonLimit.MIN_CALLBACK_DATA
            <= len(str(data).encode())
            <= InlineKeyboardButtonLimit.MAX_CALLBACK_DATA
        ):
            raise bad("Bad Request: BUTTON_DATA_INVALID")


def media_items(params: Json) -> list[Json]:
    """The items of an album (``sendMediaGroup``'s ``media``)."""
    if params.get("media") is None:
        raise bad('Bad Request: parameter "media" is required')
    items = decoded(params["media"])
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise bad("Bad Request: can't parse media JSON object")
    return items


def check_album(items: list[Json]) -> None:
    """An album: 2 to 10 items, captions within limits, documents and audio not mixed in."""
    if not items:
        raise bad("Bad Request: there are no messages to send")
    if len(items) > MediaGroupLimit.MAX_MEDIA_LENGTH:
        raise bad("Bad Request: too many messages to send as an album")
    if len(items) < MediaGroupLimit.MIN_MEDIA_LENGTH:
        # The Bot API documents 2-10 items; a one-item album is a sendPhoto.
        raise bad("Bad Request: media group must include 2-10 items")
    kinds = {str(item.get("type")) for item in items}
    for alone in ("document", "audio"):
        if alone in kinds and len(kinds) > 1:
            raise bad(f"Bad Request: {alone} can't be mixed with other media types")
    for item in items:
        check_caption(item.get("caption"))


def check_commands(params: Json) -> None:
    """A command menu: at most 100 commands of 1-32 ``[a-z0-9_]``, descriptions of 1-256."""
    commands = decoded(params.get("commands"))
    if not isinstance(commands, list):
        raise bad('Bad Request: parameter "commands" is required')
    if len(commands) > BotCommandLimit.MAX_COMMAND_NUMBER:
        raise bad("Bad Request: BOT_COMMANDS_TOO_MUCH")
    for command in commands:
        if not _COMMAND.fullmatch(str(command.get("command", ""))):
            raise bad("Bad Request: BOT_COMMAND_INVALID")
        description = str(command.get("description", ""))
        if not description.strip():
            raise bad("Bad Request: command description must be non-empty")
        if len(description) > BotCommandLimit.MAX_DESCRIPTION:
            raise bad("Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
    language = params.get("language_code") or ""
    if language and not _LANGUAGE.fullmatch(str(language)):
        raise bad("Bad Request: invalid language code specified")
