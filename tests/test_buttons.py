"""Button labels fit a phone's button: at most 30 characters in every language.

The keys shown on buttons are found in the code: the label argument of every
``InlineKeyboardButton``/``KeyboardButton``/``keyboards.button`` call (and the ``back`` choice of
``keyboards.paged``), followed through local variables, f-string key prefixes, small helpers that
return a text, and parameters filled by the callers. Labels built from data are cut by
``bot.i18n.button_label``.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import BUTTON_WIDTH, I18n, button_label
from bot.settings import LANGUAGES
from tests.test_locales import ENGLISH, messages

ROOT = Path(__file__).resolve().parent.parent
BUTTON_CALLS = {"InlineKeyboardButton", "KeyboardButton", "button"}
KEYS = set(ENGLISH)
PLACEHOLDER = re.compile(r"\{(\w+)\}")

Function = ast.FunctionDef | ast.AsyncFunctionDef


def sources() -> Iterator[tuple[Path, ast.Module]]:
    for folder in ("bot", "handlers"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "simulator" not in path.parts and not path.name.startswith("demo"):
                yield path, ast.parse(path.read_text("utf-8"))


MODULES = list(sources())
FUNCTIONS: dict[str, list[Function]] = {}  # by name
CALLS: dict[str, list[ast.Call]] = {}  # by the called name
PARENT: dict[ast.AST, Function] = {}  # the innermost function around a node


def _index(node: ast.AST, function: Function | None) -> None:
    for child in ast.iter_child_nodes(node):
        if function is not None:
            PARENT[child] = function
        if isinstance(child, ast.Call) and (called := name_of(child.func)) is not None:
            CALLS.setdefault(called, []).append(child)
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            FUNCTIONS.setdefault(child.name, []).append(child)
            _index(child, child)
        else:
            _index(child, function)


def name_of(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


for _, _module in MODULES:
    _index(_module, None)


class Finder:
    """Catalog keys a label expression can show, followed through the code."""

    def __init__(self) -> None:
        self.seen: set[int] = set()
        self.names: dict[tuple[str, int], set[str]] = {}

    def keys(self, node: ast.AST, scope: Function | None) -> set[str]:
        if id(node) in self.seen:
            return set()
        self.seen.add(id(node))
        if isinstance(node, ast.Constant):
            return {node.value} if isinstance(node.value, str) and node.value in KEYS else set()
        if isinstance(node, ast.JoinedStr):
            head = node.values[0] if node.values else None
            if isinstance(head, ast.Constant) and isinstance(head.value, str) and "." in head.value:
                return {key for key in KEYS if key.startswith(head.value)}
            return set().union(*(self.keys(v, scope) for v in node.values))
        if isinstance(node, ast.Name):
            return self.name(node.id, scope) if scope is not None and node.id != "tr" else set()
        if isinstance(node, ast.Attribute):
            return set()  # data read from an object (a village's name, a poll's question)
        if isinstance(node, ast.Call):
            called = name_of(node.func)
            if called in {"t", "nt"}:
                return self.keys(node.args[0], scope) if node.args else set()
            found: set[str] = set()
            if called in FUNCTIONS and takes_tr(node):
                for function in FUNCTIONS[called]:
                    for ret in ast.walk(function):
                        if isinstance(ret, ast.Return) and ret.value is not None:
                            found |= self.keys(ret.value, function)
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                found |= self.keys(arg, scope)
            return found
        return set().union(*(self.keys(child, scope) for child in ast.iter_child_nodes(node)))

    def name(self, name: str, scope: Function) -> set[str]:
        if (name, id(scope)) in self.names:
            return self.names[(name, id(scope))]
        self.names[(name, id(scope))] = found = set()
        for node in ast.walk(scope):
            if isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if node.value is not None and any(binds(t, name) for t in targets):
                    found |= self.keys(node.value, scope)
            elif isinstance(node, ast.For | ast.comprehension) and binds(node.target, name):
                found |= self.keys(node.iter, scope)
        args = scope.args
        params = [a.arg for a in args.posonlyargs + args.args]
        if name in params or (args.vararg is not None and args.vararg.arg == name):
            found |= self.callers(scope, name, params)
        return found

    def callers(self, scope: Function, name: str, params: list[str]) -> set[str]:
        """Keys the callers of ``scope`` pass for its parameter ``name``."""
        method = bool(params) and params[0] in {"self", "cls"}
        own = params[1:] if method else params
        vararg = scope.args.vararg is not None and scope.args.vararg.arg == name
        found: set[str] = set()
        for call in CALLS.get(scope.name, []):
            if vararg:
                values: list[ast.expr] = call.args[len(own) :]
            else:
                index = own.index(name) if name in own else -1
                values = [call.args[index]] if 0 <= index < len(call.args) else []
                values += [k.value for k in call.keywords if k.arg == name]
            for value in values:
                found |= self.keys(value, PARENT.get(call))
        return found


def takes_tr(call: ast.Call) -> bool:
    """A helper that renders a text takes the translator (``tr``) along."""
    return any(isinstance(a, ast.Name) and a.id == "tr" for a in call.args)


def binds(target: ast.AST, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(target))


def label_of(call: ast.Call) -> ast.expr | None:
    if call.args:
        return call.args[0]
    return next((k.value for k in call.keywords if k.arg == "text"), None)


def button_keys() -> set[str]:
    finder = Finder()
    found: set[str] = set()
    for called in (*BUTTON_CALLS, "paged"):
        for call in CALLS.get(called, []):
            labels: list[ast.expr] = []
            if called in BUTTON_CALLS and (label := label_of(call)) is not None:
                labels.append(label)
            if called == "paged":
                back = [k.value for k in call.keywords if k.arg == "back"]
                labels += [v.elts[0] for v in back if isinstance(v, ast.Tuple)]
            for label in labels:
                found |= finder.keys(label, PARENT.get(call))
    return found


BUTTON_KEYS = button_keys()
ZONE = ZoneInfo("Asia/Almaty")
I18N = I18n("kk", ZONE)
LONG_MONTHS = (date(2026, 8, 31), date(2026, 9, 6))  # a week across two months: the longest span


cached_messages = functools.cache(messages)


def sample(language: str, placeholder: str) -> str:
    """The longest value a placeholder of a button label takes."""
    tr = I18N.get(language)
    found = cached_messages(language)
    values = {
        "count": "15",
        "days": "15",
        "due": tr.short_date(datetime(2026, 9, 30, tzinfo=UTC)),
        "dates": tr.date_range(*LONG_MONTHS, short=True),
        "status": max((v[0] for k, v in found.items() if k.startswith("appeal.status.")), key=len),
        # names from the territory: a short one (okrug rows with long names are over 30)
        "place": "Ақсу",
        "okrug": "Ақсу",
        "villages": tr.nt("picker.count", 10),
        "number": "12345",  # a notice waiting for approval (its request number)
    }
    return values[placeholder]


def rendered(language: str, key: str) -> list[str]:
    forms = cached_messages(language)[key]
    return [
        PLACEHOLDER.sub(lambda m: sample(language, m.group(1)), form).replace("{count}", "15")
        for form in forms
    ]


def test_the_finder_sees_the_buttons_of_every_kind() -> None:
    expected = {
        "hearing.btn.come",  # a local variable (bot/hearings.py)
        "menu.complaint",  # an f-string key prefix (handlers/keyboards.main_menu)
        "appeal.category.water",  # a helper that returns a text (appeal_texts.category)
        "dialog.start_over",  # a parameter its callers fill (handlers/dialogs._ask)
        "button.back",  # the back choice of keyboards.paged
        "complaint.button_hide_name",  # a conditional expression
        "inbox.extend_by",
        "report.summary.weeks_ago",
    }
    assert expected <= BUTTON_KEYS, expected - BUTTON_KEYS
    assert "dialog.ask_start_over" not in BUTTON_KEYS  # the question above the buttons
    assert len(BUTTON_KEYS) > 80


@pytest.mark.parametrize("language", LANGUAGES)
def test_button_labels_fit_a_phone(language: str) -> None:
    too_long = {
        key: label
        for key in sorted(BUTTON_KEYS)
        for label in rendered(language, key)
        if len(label) > BUTTON_WIDTH
    }
    assert too_long == {}, f"over {BUTTON_WIDTH} characters: {too_long}"


def test_labels_from_data_are_cut_at_a_word_with_an_ellipsis() -> None:
    topic = "30 қар., 18:00 · 2027 жылғы жергілікті бюджет: жолдар мен су құбыры"
    assert button_label(topic) == "30 қар., 18:00 · 2027 жылғы…"
    assert button_label("Ремонт дороги") == "Ремонт дороги"
    assert button_label("🗳 " + "Водоснабжение" * 3) == "🗳…"
    assert button_label("x" * 40) == "x" * 29 + "…"
    for text in (topic, "1. Какие улицы отремонтировать в первую очередь, а какие потом?"):
        assert len(button_label(text)) <= BUTTON_WIDTH
