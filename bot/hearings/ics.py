"""iCalendar (RFC 5545) files, so that a resident can put a hearing into their phone's calendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from storage.hearings import Hearing

DURATION = timedelta(hours=2)


def _escape(text: str) -> str:
    """Escape a TEXT value: backslash, semicolon, comma, newline."""
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> list[str]:
    """Split a content line into parts of at most 75 octets (continuations start with a space)."""
    parts: list[str] = []
    current = ""
    for char in line:
        limit = 75 if not parts else 74
        if len((current + char).encode()) > limit:
            parts.append(current)
            current = char
        else:
            current += char
    parts.append(current)
    return [parts[0], *(" " + part for part in parts[1:])]


def _local(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y%m%dT%H%M%S")


def _offset(zone: ZoneInfo, moment: datetime) -> str:
    delta = moment.astimezone(zone).utcoffset() or timedelta(0)
    minutes = int(delta.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"


def hearing_event(hearing: Hearing, zone: ZoneInfo, *, title: str, domain: str = "qatysu") -> bytes:
    """An .ics file with one event: the hearing, in the configured zone, two hours long."""
    offset = _offset(zone, hearing.starts_at)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Qatysu//Public hearings//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VTIMEZONE",
        f"TZID:{zone.key}",
        "BEGIN:STANDARD",
        "DTSTART:19700101T000000",
        f"TZOFFSETFROM:{offset}",
        f"TZOFFSETTO:{offset}",
        "END:STANDARD",
        "END:VTIMEZONE",
        "BEGIN:VEVENT",
        f"UID:hearing-{hearing.id}@{domain}",
        f"DTSTAMP:{datetime.now(UTC):%Y%m%dT%H%M%SZ}",
        f"DTSTART;TZID={zone.key}:{_local(hearing.starts_at, zone)}",
        f"DTEND;TZID={zone.key}:{_local(hearing.starts_at + DURATION, zone)}",
        f"SUMMARY:{_escape(f'{title}: {hearing.topic}')}",
        f"LOCATION:{_escape(hearing.place)}",
        f"DESCRIPTION:{_escape(hearing.agenda)}",
    ]
    if hearing.has_pin:
        lines.append(f"GEO:{hearing.latitude:.6f};{hearing.longitude:.6f}")
    if hearing.status == "cancelled":
        lines.append("STATUS:CANCELLED")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    folded = [part for line in lines for part in _fold(line)]
    return ("\r\n".join(folded) + "\r\n").encode()
