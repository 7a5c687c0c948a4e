"""Typed answers: what a person who types instead of tapping means.

Words for back, help, yes and no (and a few more) in Kazakh, Russian and English, understood
whatever the person's language; language names; option numbers; names searched across their
kk, ru and en forms, tolerant of case, Cyrillic or Latin letters and small typos; whether a
text carries meaning; which state language staff wrote in. Pure functions: the handlers decide
what an answer does at their step.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

T = TypeVar("T")


class Word(StrEnum):
    """What a typed word means at a step that offers it."""

    BACK = "back"
    HELP = "help"
    YES = "yes"
    NO = "no"
    NEXT = "next"  # go on (to the next step)
    COME = "come"  # "I will come" to a hearing
    COMPLAINT = "complaint"
    SUGGESTION = "suggestion"


# Each word as people type it, in any of the three languages (compared as skeletons, below:
# «жок», «zhoq» and «ЖОҚ!» are all «жоқ»).
WORDS: dict[Word, tuple[str, ...]] = {
    Word.BACK: ("артқа", "кері", "қайту", "назад", "обратно", "вернуться", "back", "go back"),
    Word.HELP: ("көмек", "көмектесіңіз", "помощь", "помогите", "справка", "help"),
    Word.YES: (
        "иә",
        "ия",
        "иа",
        "ие",
        "йә",
        "әрине",
        "болады",
        "жарайды",
        "келісемін",
        "да",
        "ага",
        "конечно",
        "согласен",
        "согласна",
        "yes",
        "yeah",
        "yep",
        "ok",
        "okay",
        "ок",
        "окей",
    ),
    Word.NO: ("жоқ", "жок", "керек емес", "нет", "не надо", "no", "nope"),
    Word.NEXT: ("келесі", "әрі қарай", "ары қарай", "жалғастыру", "далее", "дальше", "next"),
    Word.COME: (
        "қатысамын",
        "барамын",
        "келемін",
        "приду",
        "буду",
        "я приду",
        "i will come",
        "will come",
        "i'll come",
        "coming",
    ),
    Word.COMPLAINT: ("шағым", "арыз", "жалоба", "complaint"),
    Word.SUGGESTION: ("ұсыныс", "предложение", "suggestion", "idea"),
}
# Language names as typed: in the language itself and in the other two.
LANGUAGE_WORDS: dict[str, tuple[str, ...]] = {
    "kk": ("қазақша", "қазақ", "қазақ тілі", "казахский", "казахский язык", "на казахском",
           "kazakh", "qazaqsha", "kazaksha", "kz"),
    "ru": ("русский", "русский язык", "по-русски", "на русском", "орысша", "орыс тілі",
           "russian", "rus", "ru"),
    "en": ("english", "ағылшынша", "ағылшын тілі", "английский", "на английском", "eng", "en"),
}  # fmt: skip
# Words around a village's name that are not the name: «Нұра ауылы», «село Нура».
PLACE_WORDS = frozenset(
    {"ауыл", "ауылы", "ауылым", "аул", "село", "селе", "поселок", "посёлок", "пос", "с", "п",
     "village", "aul", "auyl", "selo", "в", "мой", "моё", "менің"}
)  # fmt: skip
# Whole messages of one sign.
_SIGNS = {"?": Word.HELP, "✅": Word.YES, "👍": Word.YES, "✖": Word.NO, "✖️": Word.NO,
          "❌": Word.NO, "👎": Word.NO}  # fmt: skip

_LATIN_OF = {
    "а": "a", "ә": "a", "б": "b", "в": "v", "г": "g", "ғ": "g", "д": "d", "е": "e", "ё": "e",
    "ж": "j", "з": "z", "и": "i", "й": "i", "к": "k", "қ": "k", "л": "l", "м": "m", "н": "n",
    "ң": "n", "о": "o", "ө": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ұ": "u",
    "ү": "u", "ф": "f", "х": "h", "һ": "h", "ц": "c", "ч": "ch", "ш": "sh", "щ": "sh", "ъ": "",
    "ы": "i", "і": "i", "ь": "", "э": "e", "ю": "iu", "я": "ia", "ı": "i", "ş": "sh",
    "ç": "ch", "ğ": "g", "ñ": "n", "q": "k", "y": "i", "w": "u", "x": "h",
}  # fmt: skip
_DIGRAPHS = (("zh", "j"), ("kh", "h"), ("ts", "c"), ("dj", "j"))
_PARENTHESES = re.compile(r"\([^)]*\)")
_NUMBER = r"(?:№\s*)?\d{1,2}[.)]?"
_NUMBERS = re.compile(rf"^\s*{_NUMBER}(?:\s*(?:,|;|\s|и|және|and|мен)\s*{_NUMBER})*\s*$")
_WORD = re.compile(r"\w+")
KAZAKH_LETTERS = frozenset("әғқңөұүһі")
_RUSSIAN_MARKS = frozenset("ёъщэь")
_KAZAKH_WORDS = frozenset(
    {"және", "мен", "үшін", "бойынша", "туралы", "бар", "жоқ", "емес", "бұл", "осы", "жылы",
     "ауылы", "ауылының", "тұрғындары", "көшесі", "сағат", "күні", "бағыт"}
)  # fmt: skip
_RUSSIAN_WORDS = frozenset(
    {"и", "в", "во", "на", "по", "не", "с", "со", "для", "о", "об", "от", "до", "из", "к",
     "что", "как", "это", "улица", "улицы", "села", "жителей", "часов", "года"}
)  # fmt: skip


def plain(text: str) -> str:
    """Lower case, no marks of emphasis or emoji at the ends, single spaces."""
    stripped = text.casefold().strip().strip(".,!?;:«»\"'()…- \t")
    return " ".join(stripped.split())


def skeleton(text: str) -> str:
    """A name or word reduced to what survives Cyrillic or Latin spelling and doubled
    letters: «Жетібай», «Жетыбай», «Zhetybai» and «Jetibay» all give ``jetibai``."""
    lowered = _PARENTHESES.sub(" ", text.casefold())
    spelled = "".join(_LATIN_OF.get(char, char) for char in lowered)
    decomposed = unicodedata.normalize("NFKD", spelled)
    letters = "".join(char for char in decomposed if char.isalnum() and char.isascii())
    for pair, single in _DIGRAPHS:
        letters = letters.replace(pair, single)
    return "".join(
        char for index, char in enumerate(letters) if index == 0 or letters[index - 1] != char
    )


_SKELETONS: dict[str, Word] = {}
for _word, _forms in WORDS.items():
    for _form in _forms:
        _SKELETONS.setdefault(skeleton(_form), _word)
_LANGUAGE_SKELETONS = {
    skeleton(form): code for code, forms in LANGUAGE_WORDS.items() for form in forms
}


def word(text: str | None) -> Word | None:
    """The word a whole message is (any language, any script, trailing marks ignored)."""
    if not text:
        return None
    if text.strip() in _SIGNS:
        return _SIGNS[text.strip()]
    shown = plain(text)
    if not shown or len(shown) > 30:
        return None
    return _SKELETONS.get(skeleton(shown))


def is_word(text: str | None, *wanted: Word) -> bool:
    """Whether ``text`` is one of ``wanted``."""
    return word(text) in wanted


def language(text: str | None) -> str | None:
    """The language a typed language name names (``kk``, ``ru``, ``en``), or None."""
    if not text or len(text) > 40:
        return None
    return _LANGUAGE_SKELETONS.get(skeleton(plain(text)))


def numbers(text: str | None, maximum: int = 99) -> list[int] | None:
    """Option numbers typed as the whole message («2», «2.», «№2», «1, 3», «1 и 3»), each in
    1..``maximum``, in order and without repeats; None when the text is not just numbers."""
    if not text or not _NUMBERS.match(text):
        return None
    found = list(dict.fromkeys(int(n) for n in re.findall(r"\d+", text)))
    return found if found and all(1 <= n <= maximum for n in found) else None


def meaningful(text: str | None) -> bool:
    """Whether a text can stand as an item: at least two words («жарық жоқ» will do; a stray
    character, a single word or a sticker's worth of punctuation will not)."""
    words = [w for w in _WORD.findall(text or "") if any(char.isalpha() for char in w)]
    return len(words) >= 2 and sum(len(w) for w in words) >= 4


def clearly_written_in(text: str) -> str | None:
    """``kk`` or ``ru`` when the text's letters and little words say which; else None."""
    words = [w.casefold() for w in _WORD.findall(text)]
    kazakh = sum(1 for w in words if KAZAKH_LETTERS & set(w) or w in _KAZAKH_WORDS)
    russian = sum(1 for w in words if _RUSSIAN_MARKS & set(w) or w in _RUSSIAN_WORDS)
    if kazakh > russian:
        return "kk"
    if russian > kazakh:
        return "ru"
    return None


def written_in(text: str, fallback: str) -> str:
    """Which state language staff wrote ``text`` in (``kk`` or ``ru``); ``fallback`` (or
    Kazakh, for English) when the text does not say."""
    clear = clearly_written_in(text)
    if clear is not None:
        return clear
    words = [w.casefold() for w in _WORD.findall(text)]
    if any("а" <= char <= "я" for w in words for char in w) and fallback not in ("kk", "ru"):
        return "ru"
    return fallback if fallback in ("kk", "ru") else "kk"


def other_state_language(language: str) -> str:
    """The other of Kazakh and Russian."""
    return "ru" if language == "kk" else "kk"


def _distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance of ``a`` and ``b``, or ``limit + 1`` once it is sure to exceed it."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            )
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def _tolerance(length: int) -> int:
    return 0 if length <= 3 else 1 if length <= 6 else 2


@dataclass(frozen=True, slots=True)
class Match:
    """How well a name matched: a lower rank is better (0 exact, 1 a small typo, 2 the start of
    the name, 3 one word of a longer name), then fewer typos."""

    rank: int
    typos: int


def query_of(text: str) -> str:
    """The skeleton of a typed name, without words such as «ауылы» or «село»."""
    tokens = [t for t in _WORD.findall(text.casefold()) if t not in PLACE_WORDS]
    return skeleton(" ".join(tokens))


def match(query: str, name: str) -> Match | None:
    """How the skeleton ``query`` matches ``name`` (any script), or None."""
    whole = skeleton(name)
    if not query or not whole:
        return None
    if query == whole:
        return Match(0, 0)
    limit = _tolerance(len(query))
    typos = _distance(query, whole, limit)
    if typos <= limit:
        return Match(1, typos)
    if len(query) >= 4 and whole.startswith(query):
        return Match(2, len(whole) - len(query))
    for part in _WORD.findall(_PARENTHESES.sub(" ", name.casefold())):
        piece = skeleton(part)
        if len(piece) >= 3 and (typos := _distance(query, piece, limit)) <= limit:
            return Match(3, typos)
        if len(query) >= 3 and piece.startswith(query):
            return Match(3, len(piece) - len(query))
    return None


def search(
    text: str, items: Iterable[T], names: Callable[[T], Sequence[str]], limit: int = 5
) -> list[T]:
    """The items whose names (in any language) best match ``text``: only those of the best
    rank found, fewest typos first, at most ``limit``."""
    query = query_of(text)
    if len(query) < 2:
        return []
    scored: list[tuple[Match, int, T]] = []
    for index, item in enumerate(items):
        found = [m for m in (match(query, name) for name in names(item)) if m is not None]
        if found:
            scored.append((min(found, key=lambda m: (m.rank, m.typos)), index, item))
    if not scored:
        return []
    best = min(found.rank for found, _, _ in scored)
    ranked = sorted((s for s in scored if s[0].rank == best), key=lambda s: (s[0].typos, s[1]))
    return [item for _, _, item in ranked[:limit]]
