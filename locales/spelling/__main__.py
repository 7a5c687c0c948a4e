"""``python -m locales.spelling [--update]``: check the catalogs' spelling with hunspell.

Without ``--update`` it prints the words that are neither known to hunspell nor reviewed and
exits 1 when there are any. With ``--update`` it also rewrites ``<lang>-checked.txt`` with every
word that passed (the words that did not are left out, so the test keeps failing on them).
"""

from __future__ import annotations

import argparse
import sys

from locales.spelling import (
    LANGUAGES,
    catalog_words,
    hunspell_ready,
    reviewed,
    unknown_to_hunspell,
    write_snapshot,
)


def main(argv: list[str] | None = None) -> int:
    """Check each language; print what fails; rewrite the snapshots when asked."""
    parser = argparse.ArgumentParser(prog="python -m locales.spelling", description=__doc__)
    parser.add_argument("--update", action="store_true", help="rewrite <lang>-checked.txt")
    args = parser.parse_args(argv)
    failed = False
    for language in LANGUAGES:
        if not hunspell_ready(language):
            print(f"{language}: hunspell or its dictionary is missing (apt-get install hunspell "
                  "hunspell-kk hunspell-ru)", file=sys.stderr)  # fmt: skip
            return 2
        words = catalog_words(language)
        unknown = unknown_to_hunspell(language, words) - reviewed(language)
        if unknown:
            failed = True
            print(f"{language}: {len(unknown)} words neither known to hunspell nor listed in "
                  f"locales/spelling/{language}.txt:")  # fmt: skip
            for word in sorted(unknown):
                print(f"  {word}")
        if args.update:
            path = write_snapshot(language, words - unknown)
            print(f"{language}: {len(words - unknown)} checked words written to {path.name}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
