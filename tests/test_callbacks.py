"""Callback data: versioned, small, and never trusted."""

from __future__ import annotations

import pytest

from bot import callbacks
from bot.callbacks import CallbackDataError


def test_round_trip() -> None:
    data = callbacks.build("ob", "dis", "krg-osakarovka", 2)
    assert data == "v1:ob:dis:krg-osakarovka:2"
    parsed = callbacks.parse(data)
    assert (parsed.feature, parsed.action, parsed.arg(0), parsed.int_arg(1)) == (
        "ob",
        "dis",
        "krg-osakarovka",
        2,
    )


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "v2:ob:dis:x",
        "v1:ob",
        "v1:ob:dis:a b",
        "v1:ob:dis:" + "x" * 70,
        "v1::dis",
        "ы:ob:x",
    ],
)
def test_foreign_data_is_rejected(data: object) -> None:
    with pytest.raises(CallbackDataError):
        callbacks.parse(data)


def test_missing_and_non_numeric_arguments_are_rejected() -> None:
    parsed = callbacks.parse("v1:ob:dis:abc")
    with pytest.raises(CallbackDataError):
        parsed.arg(1)
    with pytest.raises(CallbackDataError):
        parsed.int_arg(0)


def test_building_refuses_oversized_or_unsafe_data() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        callbacks.build("ob", "vil", "x" * 30, "y" * 30)
    with pytest.raises(ValueError, match="invalid callback part"):
        callbacks.build("ob", "vil", "a:b")


def test_feature_codes_are_the_stored_ones() -> None:
    """Buttons residents still hold carry these codes: one enum, and a code never changes."""
    from bot.callbacks import Feature

    assert {feature.name: feature.value for feature in Feature} == {
        "MENU": "menu", "ONBOARDING": "ob", "LANGUAGE": "lang", "PRIVACY": "priv",
        "RESIDENTS": "res", "DIALOG": "dlg", "COMPLAINT": "cmp", "MINE": "my", "INBOX": "inb",
        "POLL": "poll", "POLL_STAFF": "pst", "NEW_POLL": "npl", "HEARING": "hr",
        "HEARING_STAFF": "ha", "NEW_HEARING": "hn", "NOTICE": "ntc", "NOTICE_REVIEW": "nta",
        "BROADCAST": "bc", "REPORT": "rep", "PAPER": "ppr", "VILLAGE": "vil", "VERIFY": "ver",
        "MEETING": "mt", "BUDGET": "bdg", "BUDGET_STAFF": "bst", "NEW_BUDGET": "nbg",
        "BUDGET_PROPOSAL": "bpr", "BEHALF": "obh", "CORRECTION": "cor",
    }  # fmt: skip
    assert callbacks.build(Feature.INBOX, "open", 7) == "v1:inb:open:7"
    assert callbacks.parse("v1:my:open:7").feature == Feature.MINE
