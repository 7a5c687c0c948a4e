"""What a staff notice may carry: a photo, or a document of a safe type.

A phone opens a received document by its name and type: an ``.apk`` under the akimat's header
installs an app, a ``.pdf`` opens in a reader. So a document is taken only when both its
extension and the type Telegram reports are of the same safe kind: PDF, office formats
(Word, Excel, PowerPoint, OpenDocument, RTF) and pictures (JPEG, PNG). A photo is always
safe: Telegram re-encodes it as a JPEG. Videos, voice notes, audio, stickers, animations and
any other file are refused with a message that names what is accepted.

A photo goes to residents with ``sendPhoto`` (the caption under it), a document with
``sendDocument`` (its file name kept), both by the file id Telegram gave the staff member's
upload: nothing is downloaded or uploaded again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

PHOTO_MAX_BYTES = 10 * 1024 * 1024  # Telegram's own limit for photos
DOCUMENT_MAX_BYTES = 20 * 1024 * 1024  # what residents on weak mobile internet can fetch
# Extension -> the types Telegram apps report for it (clients derive it from the name).
SAFE_TYPES: dict[str, frozenset[str]] = {
    ".pdf": frozenset({"application/pdf"}),
    ".doc": frozenset({"application/msword"}),
    ".docx": frozenset({"application/vnd.openxmlformats-officedocument.wordprocessingml.document"}),
    ".xls": frozenset({"application/vnd.ms-excel"}),
    ".xlsx": frozenset({"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}),
    ".ppt": frozenset({"application/vnd.ms-powerpoint"}),
    ".pptx": frozenset(
        {"application/vnd.openxmlformats-officedocument.presentationml.presentation"}
    ),
    ".odt": frozenset({"application/vnd.oasis.opendocument.text"}),
    ".ods": frozenset({"application/vnd.oasis.opendocument.spreadsheet"}),
    ".odp": frozenset({"application/vnd.oasis.opendocument.presentation"}),
    ".rtf": frozenset({"application/rtf", "text/rtf"}),
    ".jpg": frozenset({"image/jpeg"}),
    ".jpeg": frozenset({"image/jpeg"}),
    ".png": frozenset({"image/png"}),
}
EXTENSIONS = ", ".join(sorted({ext.lstrip(".").upper() for ext in SAFE_TYPES} - {"JPEG"}))


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a file may not go out with a notice: a message key and its values."""

    key: str
    values: dict[str, str]


def document_problem(
    file_name: str | None, mime_type: str | None, size: int | None
) -> Refusal | None:
    """Why a document may not be attached to a notice, or None when it may."""
    extension = PurePosixPath((file_name or "").strip().lower()).suffix
    allowed = SAFE_TYPES.get(extension)
    if allowed is None or (mime_type or "").lower() not in allowed:
        return Refusal("notice.unsafe_document", {"types": EXTENSIONS})
    if (size or 0) > DOCUMENT_MAX_BYTES:
        return Refusal("notice.file_too_big", {"limit": str(DOCUMENT_MAX_BYTES // (1024 * 1024))})
    return None


def photo_problem(size: int | None) -> Refusal | None:
    """Why a photo may not be attached to a notice, or None when it may."""
    if (size or 0) > PHOTO_MAX_BYTES:
        return Refusal("notice.file_too_big", {"limit": str(PHOTO_MAX_BYTES // (1024 * 1024))})
    return None


def payload_problem(payload: dict[str, object]) -> Refusal | None:
    """A stored notice checked again before it goes to the engine: what it carries is safe."""
    if payload.get("document"):
        name, mime = payload.get("file_name"), payload.get("mime_type")
        return document_problem(
            name if isinstance(name, str) else None, mime if isinstance(mime, str) else None, 0
        )
    return None
