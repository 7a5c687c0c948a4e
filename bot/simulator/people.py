"""Simulated Telegram users: they type, tap buttons and share things, as a person would."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.simulator.api import BotApiSimulator, Json, now

Deliver = Callable[[Json], Awaitable[None]]


class ButtonNotFound(AssertionError):
    """The person looked for a button that is not on their screen."""


class SimUser:
    """One person in a private chat with the bot.

    Created, the person exists but has not started the bot: the bot cannot write to them until
    they send something (``started=True``: they wrote to it before, e.g. staff of long standing
    whom a test messages without a word first). The file ids of what they send, and their taps,
    become Telegram's own (the bot may send those files on, and must answer each tap once, in
    time).
    """

    def __init__(
        self,
        sim: BotApiSimulator,
        deliver: Deliver,
        user_id: int,
        first_name: str,
        language_code: str | None = None,
        *,
        started: bool = False,
        phone_number: str | None = None,
        username: str | None = None,
    ) -> None:
        self.sim = sim
        self._deliver = deliver
        self.id = user_id
        self.first_name = first_name
        self.language_code = language_code
        # The account's own number, as Telegram gives it (in full, without the plus).
        self.phone_number = phone_number or f"7701{user_id % 10_000_000:07d}"
        self.username = username
        sim.users[user_id] = self.as_json()
        if started:
            sim.started.add(user_id)

    def as_json(self) -> Json:
        """This person as Telegram describes a user."""
        user: Json = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def _message(self, **content: Any) -> Json:
        chat = {"id": self.id, "type": "private", "first_name": self.first_name}
        message = {
            "message_id": self.sim.next_message_id(),
            "date": now(),
            "chat": chat,
            "from": self.as_json(),
            **content,
        }
        for observer in self.sim.observers:
            observer("received", message)
        return message

    async def _send(self, **content: Any) -> None:
        await self._deliver(self.sim.make_update({"message": self._message(**content)}))

    async def send(self, text: str) -> None:
        """Type and send text; a leading ``/word`` is a command, as Telegram marks it."""
        content: Json = {"text": text}
        if text.startswith("/"):
            length = len(text.split()[0])
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        await self._send(**content)

    async def share_location(self, latitude: float, longitude: float) -> None:
        """Share a map pin."""
        await self._send(location={"latitude": latitude, "longitude": longitude})

    async def share_contact(self, of: SimUser | None = None) -> None:
        """Send a contact card: one's own (as the "share contact" button sends it), or ``of``
        someone else's (from the attachment menu: any contact, with that person's user id)."""
        whose = of or self
        contact = {"phone_number": whose.phone_number, "first_name": whose.first_name,
                   "user_id": whose.id}  # fmt: skip
        await self._send(contact=contact)

    @property
    def reply_keyboard(self) -> list[Json]:
        """The buttons of the keyboard shown under the input field now ([] when none is)."""
        markup = self.sim.keyboards.get(self.id, {})
        return [
            button if isinstance(button, dict) else {"text": button}
            for row in markup.get("keyboard", [])
            for button in row
        ]

    async def press(self, label: str) -> None:
        """Press a button of the keyboard under the input field: it sends its text, or, for a
        "share my phone" button, the person's own contact."""
        for button in self.reply_keyboard:
            if label.casefold() in button["text"].casefold():
                if button.get("request_contact"):
                    await self.share_contact()
                else:
                    await self.send(button["text"])
                return
        shown = [button["text"] for button in self.reply_keyboard]
        raise ButtonNotFound(f"no keyboard button {label!r}; shown: {shown}")

    async def send_document(
        self,
        file_name: str = "scan.pdf",
        size: int = 120_000,
        *,
        mime_type: str = "application/pdf",
        caption: str | None = None,
    ) -> None:
        """Send a file as a document (Telegram apps report a type derived from its name)."""
        file_id = f"doc-{self.id}-{self.sim.next_message_id()}"
        document = {"file_id": file_id, "file_unique_id": file_id, "file_name": file_name,
                    "mime_type": mime_type, "file_size": size}  # fmt: skip
        await self._send(document=document, **({"caption": caption} if caption else {}))

    async def send_photo(self, caption: str | None = None, size: int = 80_000) -> None:
        """Send a photo (the file stays on the simulated Telegram side)."""
        file_id = f"photo-{self.id}-{self.sim.next_message_id()}"
        photo = [
            {
                "file_id": file_id,
                "file_unique_id": file_id,
                "width": 1280,
                "height": 960,
                "file_size": size,
            }
        ]
        await self._send(photo=photo, **({"caption": caption} if caption else {}))

    async def send_voice(self, duration: int = 12) -> None:
        """Send a voice note."""
        file_id = f"voice-{self.id}-{self.sim.next_message_id()}"
        voice = {
            "file_id": file_id,
            "file_unique_id": file_id,
            "duration": duration,
            "mime_type": "audio/ogg",
        }
        await self._send(voice=voice)

    async def send_sticker(self) -> None:
        """Send a sticker."""
        file_id = f"sticker-{self.id}-{self.sim.next_message_id()}"
        sticker = {
            "file_id": file_id,
            "file_unique_id": file_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
        await self._send(sticker=sticker)

    # --- what the person sees ----------------------------------------------------------------
    @property
    def messages(self) -> list[Json]:
        """The bot's messages in this chat, oldest first, as currently shown."""
        return self.sim.chat_messages(self.id)

    @property
    def texts(self) -> list[str]:
        """Texts (or captions) of the bot's messages."""
        return [m.get("text") or m.get("caption") or "" for m in self.messages]

    @property
    def last_text(self) -> str:
        """Text of the bot's latest message."""
        return self.texts[-1] if self.texts else ""

    def buttons(self, message: Json | None = None) -> list[Json]:
        """Inline buttons of ``message`` (default: the latest message that has any)."""
        if message is None:
            message = next((m for m in reversed(self.messages) if m.get("reply_markup")), None)
        if message is None:
            return []
        rows = message.get("reply_markup", {}).get("inline_keyboard", [])
        return [button for row in rows for button in row]

    def button_labels(self) -> list[str]:
        """Labels of the latest keyboard."""
        return [button["text"] for button in self.buttons()]

    def find_button(self, label: str) -> tuple[Json, Json]:
        """Find a button by label (exact, then partial) on the newest message that has it."""
        for message in reversed(self.messages):
            for exact in (True, False):
                for button in self.buttons(message):
                    text = button["text"]
                    if (text == label) if exact else (label.casefold() in text.casefold()):
                        return message, button
        raise ButtonNotFound(f"no button {label!r}; on screen: {self.button_labels()}")

    async def tap(self, label: str) -> Json | None:
        """Tap a button by its label; return the bot's answer to the tap (text, alert)."""
        message, button = self.find_button(label)
        return await self.tap_data(button["callback_data"], message, label=button["text"])

    async def tap_data(
        self, data: str, message: Json | None = None, *, label: str | None = None
    ) -> Json | None:
        """Send a button tap with any callback data (as a forged client could)."""
        if message is None:
            message = next(iter(reversed(self.messages)), None)
        if message is None:
            raise ButtonNotFound("no message to tap on")
        query_id = f"cq-{self.id}-{self.sim.next_message_id()}"
        query = {
            "id": query_id,
            "from": self.as_json(),
            "message": message,
            "chat_instance": f"ci-{self.id}",
            "data": data,
        }
        for observer in self.sim.observers:
            observer(
                "tapped", {"chat": {"id": self.id}, "text": label or data, "from": self.as_json()}
            )
        await self._deliver(self.sim.make_update({"callback_query": query}))
        return self.sim.callback_answers.get(query_id)
