"""``python -m bot <command>`` (also the ``qatysu`` console script)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from bot.logs import setup_logging
from bot.reports.scope import scope_exists
from bot.settings import LANGUAGES, Settings, SettingsError, load_settings
from bot.territory import TerritoryFileError, import_territory
from storage import roles as roles_repo
from storage import territory
from storage.db import Database, utcnow
from storage.models import Role, Scope, ScopeKind

if TYPE_CHECKING:
    # Only `run` needs python-telegram-bot and aiohttp (most of a second to import): the other
    # commands (a report, an import) load them only if they use them.
    from bot.context import QatysuApp
    from bot.reports.period import Period

# my_chat_member tells when a resident blocks the bot (or unblocks it) before a broadcast fails.
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
EXIT_SETTINGS = 2  # also when Telegram refuses BOT_TOKEN, at start or later
EXIT_INPUT = 1
EXIT_UNREACHABLE = 3  # the Bot API at BOT_API_BASE_URL does not answer
EXIT_CRASHED = 1  # as Python's own exit code after a traceback
INVITE_ACTIONS = ("list", "revoke")
# Files the process creates (database, WAL, backups, reports) are readable by its user alone.
PRIVATE_UMASK = 0o077


class UsageError(Exception):
    """A command line that names something that does not exist or does not fit."""


# Which scopes each role may have: staff serve villages up to a region (an okrug's akimat: the
# okrug), coordinators a region or everything, admins everything.
ALLOWED_SCOPES = {
    Role.STAFF: {ScopeKind.VILLAGE, ScopeKind.OKRUG, ScopeKind.DISTRICT, ScopeKind.REGION},
    Role.COORDINATOR: {ScopeKind.REGION, ScopeKind.ALL},
    Role.ADMIN: {ScopeKind.ALL},
}


def _add_scope_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--village", metavar="CODE")
    group.add_argument("--okrug", metavar="CODE", help="a rural okrug: all its villages")
    group.add_argument("--district", metavar="CODE")
    group.add_argument("--region", metavar="CODE")
    group.add_argument("--all", action="store_true", help="the whole territory")


def _add_report_options(parser: argparse.ArgumentParser, out: str, *, required: bool) -> None:
    """--scope, --out, --language, --csv-delimiter; a subcommand's leave the report's be."""
    unset = None if not required else argparse.SUPPRESS
    parser.add_argument(
        "--scope", default="all" if unset is None else unset,
        help="all, region:CODE, district:CODE, okrug:CODE or village:CODE",
    )  # fmt: skip
    parser.add_argument("--out", type=Path, required=required, default=unset, help=out)
    parser.add_argument("--language", choices=list(LANGUAGES), default=unset)
    parser.add_argument(
        "--csv-delimiter", choices=[";", ","], default=";" if unset is None else unset,
        help="between CSV fields (default ';', which Excel set to Russian or Kazakh reads)",
    )  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    """The command-line grammar."""
    parser = argparse.ArgumentParser(prog="qatysu", description="Qatysu Telegram bot")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the bot (polling, or webhook when WEBHOOK_URL is set)")
    migrate = sub.add_parser("migrate", help="apply database migrations")
    migrate.add_argument(
        "--from-sqlite",
        type=Path,
        metavar="FILE",
        help="copy this SQLite database into the (empty) PostgreSQL one at DATABASE_URL",
    )
    villages = sub.add_parser("villages", help="territory").add_subparsers(
        dest="action", required=True
    )
    villages.add_parser("import", help="import villages from CSV").add_argument("file", type=Path)
    villages.add_parser("list", help="print the territory tree")
    roles = sub.add_parser("roles", help="roles").add_subparsers(dest="action", required=True)
    for action in ("grant", "revoke"):
        p = roles.add_parser(action)
        p.add_argument("telegram_id", type=int)
        p.add_argument("role", choices=[role.value for role in Role])
        _add_scope_options(p)
    roles.add_parser("list")
    invite = sub.add_parser(
        "invite",
        help="one-time deep link granting a role; `invite list`, `invite revoke ID`",
        usage="qatysu invite {staff,coordinator} (--village CODE | --okrug CODE | "
        "--district CODE | --region CODE | --all)\n       qatysu invite list\n"
        "       qatysu invite revoke ID",
    )
    invite.add_argument("role", choices=[Role.STAFF.value, Role.COORDINATOR.value, *INVITE_ACTIONS])
    invite.add_argument("invite_id", nargs="?", type=int, metavar="ID", help="for revoke")
    _add_scope_options(invite)
    backup = sub.add_parser("backup", help="consistent copy of the database")
    backup.add_argument("file", type=Path)
    backup.add_argument(
        "--with-secret",
        action="store_true",
        help="also copy the identity secret file to FILE.secret (keep the two apart)",
    )
    report = sub.add_parser(
        "report",
        help="the summary of a period: workbook, CSV files, charts; `report weekly`, "
        "`report open-data`",
        usage="qatysu report --period PERIOD --out FILE.xlsx [--scope SCOPE] [--language L] "
        "[--csv-delimiter D]\n       qatysu report weekly [--week YYYY-Www] --out FILE.xlsx ..."
        "\n       qatysu report open-data --out DIR [--period PERIOD] [--scope SCOPE]",
    )
    report.add_argument(
        "--period", default=None, help="2026-W48, 2026-11, 2026-Q4, 2026 or 2026-11-01..2026-11-30"
    )
    _add_report_options(report, "the workbook to write (.xlsx)", required=False)
    actions = report.add_subparsers(dest="action")
    weekly = actions.add_parser("weekly", help="the weekly summary: workbook, CSV files, charts")
    weekly.add_argument("--week", default=None, help="ISO week, e.g. 2026-W48 (default: last week)")
    _add_report_options(weekly, "the workbook to write (.xlsx)", required=True)
    opened = actions.add_parser(
        "open-data", help="per-village counts as CSV and JSON with a schema, no personal data"
    )
    opened.add_argument("--period", default=argparse.SUPPRESS,
                        help="as for `report` (default: last month)")  # fmt: skip
    _add_report_options(opened, "the folder to write into", required=True)
    residents = sub.add_parser("residents", help="residents: the household register's phones")
    phones = residents.add_subparsers(dest="action", required=True).add_parser(
        "import-phones",
        help="a village's phone numbers from the household register, stored as keyed hashes only",
    )
    phones.add_argument("file", type=Path, help="one number a line (or CSV cells); not kept")
    phones.add_argument("--village", required=True, metavar="CODE")
    _add_bodies_parser(sub)
    paper = sub.add_parser("print", help="papers for the notice board (A4 PDF, kk and ru)")
    paper.add_argument("kind", choices=["hearing", "poll", "village"])
    paper.add_argument("ref", help="the hearing or poll number, or the village code")
    paper.add_argument("--out", type=Path, default=None, help="folder (default: papers/ by the db)")
    demo = sub.add_parser("demo", help="the whole product offline, with a transcript")
    demo.add_argument("--out", type=Path, default=None, help="folder for the demo's files")
    return parser


def _add_bodies_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``bodies import FILE | list | add | edit | remove``: the directory of other bodies."""
    bodies = sub.add_parser(
        "bodies", help="other bodies per district (electricity, water, roads...): the directory"
    ).add_subparsers(dest="action", required=True)
    bodies.add_parser("import", help="import or update bodies from CSV").add_argument(
        "file", type=Path
    )
    listed = bodies.add_parser("list", help="print the directory")
    listed.add_argument("--district", metavar="CODE")
    for action in ("add", "edit", "remove"):
        p = bodies.add_parser(action, help=f"{action} one body (by district and code)")
        p.add_argument("district", metavar="DISTRICT")
        p.add_argument("code", metavar="CODE")
        if action != "remove":
            p.add_argument("cells", nargs="*", metavar="COLUMN=VALUE",
                           help="the CSV's columns, e.g. phone='+7 (72149) 4-00-01'")  # fmt: skip


def _scope(args: argparse.Namespace) -> Scope | None:
    for kind in (ScopeKind.VILLAGE, ScopeKind.OKRUG, ScopeKind.DISTRICT, ScopeKind.REGION):
        code = getattr(args, kind.value)
        if code:
            return Scope(kind, code)
    return Scope(ScopeKind.ALL) if args.all else None


async def _check_scope(db: Database, role: Role, scope: Scope | None) -> Scope:
    if scope is None:
        scope = Scope(ScopeKind.ALL) if role is Role.ADMIN else None
    if scope is None or scope.kind not in ALLOWED_SCOPES[role]:
        allowed = ", ".join(sorted(f"--{kind.value}" for kind in ALLOWED_SCOPES[role]))
        raise UsageError(f"{role.value} needs one of {allowed}")
    if not await scope_exists(db, scope):
        raise UsageError(f"no {scope.kind.value} with code {scope.code!r}: see `villages list`")
    return scope


async def _with_db(settings: Settings, work: Callable[[Database], Awaitable[None]]) -> None:
    db = settings.database()
    await db.open()
    try:
        await work(db)
    finally:
        await db.close()


async def cmd_migrate(settings: Settings, args: argparse.Namespace) -> None:
    """Apply migrations; with ``--from-sqlite``, copy a SQLite database into PostgreSQL."""
    if args.from_sqlite is not None:
        await _copy_from_sqlite(settings, args.from_sqlite)
        return

    async def work(db: Database) -> None:
        print(f"Database {settings.database_path} is at schema version {await db.schema_version()}")

    await _with_db(settings, work)


async def _copy_from_sqlite(settings: Settings, source_path: Path) -> None:
    from storage.pg import PgDatabase, copy_from_sqlite

    target = settings.database()
    if not isinstance(target, PgDatabase):
        raise UsageError("--from-sqlite copies into PostgreSQL: set DATABASE_URL=postgresql://...")
    if not await asyncio.to_thread(source_path.is_file):
        raise UsageError(f"no SQLite database at {source_path}")
    source = Database(source_path)
    await source.open()  # brought to this version's schema first, as the bot would
    try:
        await target.open()
        try:
            copied = await copy_from_sqlite(source, target)
        except RuntimeError as error:  # not empty, another version: one line
            raise UsageError(str(error)) from None
        finally:
            await target.close()
    finally:
        await source.close()
    rows = sum(copied.values())
    print(f"Copied {rows} rows of {len(copied)} tables from {source_path} into PostgreSQL")


async def cmd_villages(settings: Settings, args: argparse.Namespace) -> None:
    """Import or list the territory."""

    async def work(db: Database) -> None:
        if args.action == "import":
            counts = await import_territory(db, args.file)
            okrugs = f"{counts.okrugs} rural okrugs, " if counts.okrugs else ""
            print(f"Imported {counts.regions} regions, {counts.districts} districts, {okrugs}"
                  f"{counts.villages} villages from {args.file}")  # fmt: skip
            return
        for line in await _territory_tree(db):
            print(line)

    await _with_db(settings, work)


async def _territory_tree(db: Database) -> list[str]:
    """Regions, their districts, the okrugs of each with their villages, then the villages of
    no okrug: one line each, with codes."""
    lines = []
    for region in await territory.list_regions(db):
        lines.append(f"{region.code}  {region.names.en} / {region.names.kk} / {region.names.ru}")
        for district in await territory.list_districts(db, region.code):
            lines.append(f"  {district.code}  {district.names.en} / {district.names.kk}")
            villages = await territory.list_villages(db, district.code)
            for okrug in await territory.list_okrugs(db, district.code):
                lines.append(f"    {okrug.code}  {okrug.names.en} / {okrug.names.kk}")
                lines += [f"      {v.code}  {v.names.en} / {v.names.kk}"
                          for v in villages if v.okrug_code == okrug.code]  # fmt: skip
            lines += [f"    {v.code}  {v.names.en} / {v.names.kk}"
                      for v in villages if v.okrug_code is None]  # fmt: skip
    return lines


async def cmd_roles(settings: Settings, args: argparse.Namespace) -> None:
    """Grant, revoke or list roles."""

    async def work(db: Database) -> None:
        if args.action == "list":
            for grant in await roles_repo.all_grants(db):
                where = grant.scope.kind.value + (
                    f" {grant.scope.code}" if grant.scope.code else ""
                )
                print(f"{grant.telegram_id}  {grant.role.value}  {where}  (by {grant.granted_by})")
            for admin in settings.admin_ids:
                print(f"{admin}  admin  all  (ADMIN_IDS)")
            return
        role = Role(args.role)
        if args.action == "grant":
            scope = await _check_scope(db, role, _scope(args))
            new = await roles_repo.grant(db, args.telegram_id, role, scope, "cli")
            print(
                ("Granted" if new else "Already granted") + f" {role.value} to {args.telegram_id}"
            )
            return
        removed = await roles_repo.revoke(db, args.telegram_id, role, _scope(args))
        print(f"Revoked {removed} grant(s) of {role.value} from {args.telegram_id}")

    await _with_db(settings, work)


async def cmd_invite(settings: Settings, args: argparse.Namespace) -> None:
    """Print a one-time deep link that grants a role; or list invites, or revoke one."""
    from bot import invites

    if args.role in INVITE_ACTIONS:
        await _with_db(settings, lambda db: _invite_action(db, args))
        return
    if args.invite_id is not None:
        raise UsageError(f"`invite {args.role}` takes no ID")

    async def work(db: Database) -> None:
        role = Role(args.role)
        scope = await _check_scope(db, role, _scope(args))
        invite = await invites.create(db, settings, role, scope)
        link = invites.deep_link(settings.bot_username, invites.INVITE_PREFIX + invite.token)
        print(link)
        print(f"Invite {invite.id}: one use, valid until {invite.expires_at:%Y-%m-%d %H:%M} UTC "
              "(only its hash is stored: keep the link, or make a new one).",
              file=sys.stderr)  # fmt: skip
        if not settings.bot_username:
            print("Set BOT_USERNAME to print a t.me link.", file=sys.stderr)

    await _with_db(settings, work)


async def _invite_action(db: Database, args: argparse.Namespace) -> None:
    """``invite list`` or ``invite revoke ID``."""
    from bot import invites

    if args.role == "list":
        if args.invite_id is not None or _scope(args) is not None:
            raise UsageError("`invite list` takes no ID and no scope")
        now = utcnow()
        print("id  role  scope  created  expires  used")
        for invite in await invites.all_invites(db):
            where = invite.scope.kind.value + (f" {invite.scope.code}" if invite.scope.code else "")
            created = f"{invite.created_at:%Y-%m-%d %H:%M}" if invite.created_at else "-"
            used = invites.state(invite, now)
            if invite.used_by is not None and invite.used_at is not None:
                used += f" by {invite.used_by} at {invite.used_at:%Y-%m-%d %H:%M}"
            elif invite.revoked_at is not None:
                used += f" at {invite.revoked_at:%Y-%m-%d %H:%M}"
            print(f"{invite.id}  {invite.role.value}  {where}  {created}  "
                  f"{invite.expires_at:%Y-%m-%d %H:%M}  {used}")  # fmt: skip
        return
    if args.invite_id is None or _scope(args) is not None:
        raise UsageError("`invite revoke` needs the invite's ID (see `invite list`)")
    if not await invites.revoke(db, args.invite_id):
        raise UsageError(f"no unused invite {args.invite_id} to revoke: see `invite list`")
    print(f"Revoked invite {args.invite_id}: its link no longer works")


async def cmd_backup(settings: Settings, args: argparse.Namespace) -> None:
    """Write a consistent copy of the database, also while the bot runs."""

    async def work(db: Database) -> None:
        if db.server is not None:  # PostgreSQL: its own tools (README: PostgreSQL)
            raise UsageError(
                "the database is PostgreSQL: back it up with pg_dump, e.g. "
                f'pg_dump --format=custom --file={args.file} "$DATABASE_URL"'
            )
        await db.backup(args.file)
        print(f"Backed up {settings.database_path} to {args.file}")

    await _with_db(settings, work)
    print(_secret_note(settings, args.file, copy=args.with_secret))


def _secret_note(settings: Settings, backup: Path, *, copy: bool) -> str:
    """Where the identity secret is (it is not in the database); copy its file if asked."""
    from bot.identity import secret_path

    if settings.identity_secret is not None:
        return (
            "The identity secret is IDENTITY_SECRET, not in the backup: keep it apart from it. "
            "Without it every resident could vote again in open polls."
        )
    source = secret_path(settings.database_path)
    if copy and source.exists():
        target = secret_path(backup)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(source.read_bytes())
        return f"Copied the identity secret to {target}: store it apart from the backup."
    return (
        f"The identity secret {source} is not in the backup: keep a copy of it apart from the "
        "backup (or use --with-secret). Without it every resident could vote again in open polls."
    )


async def cmd_report(settings: Settings, args: argparse.Namespace) -> None:
    """Write the summary of a period (or of a week), or the open data, of a scope."""
    from bot.i18n import I18n
    from bot.reports import summary
    from bot.reports.period import Period, PeriodKind, last_ended
    from bot.reports.scope import parse_scope

    try:
        scope = parse_scope(args.scope)
        if args.action == "weekly":
            period = Period.parse(args.week) if args.week else None
            if period is not None and period.kind is not PeriodKind.WEEK:
                raise ValueError(f"{args.week!r} is not an ISO week like 2026-W48")
        else:
            period = Period.parse(args.period) if args.period else None
    except ValueError as error:
        raise UsageError(str(error)) from None
    if args.action is None and (period is None or args.out is None):
        raise UsageError("report needs --period and --out (or see `report weekly`, "
                         "`report open-data`)")  # fmt: skip
    if args.action != "open-data" and args.out.suffix.lower() != ".xlsx":
        raise UsageError(f"--out must name an .xlsx file, not {args.out}")

    async def work(db: Database) -> None:
        if not await scope_exists(db, scope):
            raise UsageError(f"no {scope.kind.value} with code {scope.code!r}: see `villages list`")
        if args.action == "open-data":
            chosen = period or last_ended(PeriodKind.MONTH, utcnow(), settings.zone)
            await _open_data(db, settings, scope, chosen, args)
            return
        tr = I18n(settings.default_language, settings.zone).get(args.language)
        chosen = period or summary.last_week(utcnow(), settings.zone)
        files = await summary.build_here(db, tr, [scope], chosen, args.out,
                                         csv_delimiter=args.csv_delimiter)  # fmt: skip
        what = "Weekly summary" if args.action == "weekly" else "Summary"
        print(f"{what} {chosen} ({args.scope}) written to {args.out}")
        for path in [*files.csv_files, *files.charts]:
            print(f"  {path}")

    await _with_db(settings, work)


async def _open_data(
    db: Database, settings: Settings, scope: Scope, period: Period, args: argparse.Namespace
) -> None:
    """Write the open data of ``period`` for ``scope`` into ``--out``."""
    from bot.reports import data as report_data
    from bot.reports.opendata import write_open_data
    from bot.reports.scope import villages_of

    villages = await villages_of(db, [scope])
    figures = await report_data.load(db, villages, period, settings.zone)
    written = write_open_data(figures, args.out, args.csv_delimiter)
    print(f"Open data {period} ({args.scope}): {len(villages)} villages written to {args.out}")
    for path in written:
        print(f"  {path}")


async def cmd_print(settings: Settings, args: argparse.Namespace) -> None:
    """Write the notice-board PDF of a hearing, a poll or a village, and print its path."""
    from bot import workers
    from bot.i18n import I18n
    from bot.paper.service import PaperNotFoundError, Papers, papers_folder

    if args.kind != "village" and not args.ref.isdigit():
        raise UsageError(f"{args.kind} must be given by its number, not {args.ref!r}")
    if not settings.bot_username:
        raise UsageError("set BOT_USERNAME: the QR code holds the link t.me/<BOT_USERNAME>")

    async def work(db: Database) -> None:
        i18n = I18n(settings.default_language, settings.zone)
        folder = args.out or papers_folder(settings.database_path)
        papers = Papers(db, i18n, settings.bot_username, folder)
        try:
            if args.kind == "village":
                path = await papers.village(args.ref)
            else:
                path = await (papers.hearing if args.kind == "hearing" else papers.poll)(
                    int(args.ref)
                )
        except PaperNotFoundError as error:
            raise UsageError(f"no {error}") from None
        finally:
            await workers.shutdown()
        print(path)

    await _with_db(settings, work)


def _run(settings: Settings) -> int:
    """``run``, and its exit code: a Bot API that refuses the token or cannot be reached ends
    it in one line."""
    from bot.botapi import LinkFailure

    try:
        cmd_run(settings)
    except LinkFailure as error:
        print(f"qatysu: {error}", file=sys.stderr)
        return EXIT_SETTINGS if error.token_refused else EXIT_UNREACHABLE
    except Crashed:
        return EXIT_CRASHED
    return 0


def cmd_run(settings: Settings) -> None:
    """Run the bot until interrupted; raise :class:`LinkFailure` when Telegram cannot be used.

    Whatever else ends it goes through the log, whose handler cuts out the token and the
    webhook secret (PTB's ``InvalidToken`` quotes the token; a raw traceback would print it).
    """
    from bot import botapi
    from bot.botapi import LinkFailure

    token = settings.token()
    secrets = [token, token.partition(":")[2]]  # the part after the bot id is the secret
    if settings.webhook_secret is not None:
        secrets.append(settings.webhook_secret.get_secret_value())
    if settings.identity_secret is not None:
        secrets.append(settings.identity_secret.get_secret_value())
    handler = setup_logging(secrets=secrets)
    handler.addFilter(botapi.QuietInvalidToken())
    try:
        _run_checked(settings)
    except (LinkFailure, SettingsError):  # one line each, printed by main
        raise
    except Exception:
        logging.getLogger(__name__).critical("The bot stopped on an error", exc_info=True)
        raise Crashed from None


class Crashed(Exception):
    """The bot stopped on an unexpected error, already logged (redacted)."""


def _run_checked(settings: Settings) -> None:
    """Check the Bot API, build the bot and serve it; end in :class:`LinkFailure` if needed."""
    from telegram.error import InvalidToken, NetworkError

    from bot import botapi
    from bot.app import build_application
    from bot.standby import take_lead

    asyncio.run(botapi.check(settings))  # fails fast, in one line naming the setting
    lead = take_lead(settings)  # on PostgreSQL: wait as a standby until this one is active
    app = build_application(settings)
    request = app.bot.request
    assert isinstance(request, botapi.WatchedRequest)
    watch = request.watch
    watch.on_refused = app.stop_running  # a token revoked while running ends the process
    try:
        _serve(app, settings, health="ok" if lead is None else lead.role)
    except InvalidToken:  # refused during start-up, after the check passed
        raise botapi.token_refused(settings, watch.refused or "Unauthorized") from None
    except NetworkError as error:  # gone during start-up, after the check passed
        raise botapi.unreachable(settings, error) from None
    if watch.refused is not None:
        raise botapi.token_revoked(settings, watch.refused)


def _serve(app: QatysuApp, settings: Settings, health: str = "ok") -> None:
    """Poll for updates, or serve the webhook when ``WEBHOOK_URL`` is set, until stopped."""
    if settings.webhook_url:
        from bot.webhook import WebhookUpdater

        assert settings.webhook_secret is not None  # the settings refuse webhook mode without
        app.updater = WebhookUpdater(
            bot=app.bot,
            update_queue=app.update_queue,
            max_body=settings.webhook_max_body,
            health=health,
        )
        app.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path=urlsplit(settings.webhook_url).path.lstrip("/"),
            webhook_url=settings.webhook_url,
            secret_token=settings.webhook_secret.get_secret_value(),
            allowed_updates=ALLOWED_UPDATES,
        )
    else:
        app.run_polling(allowed_updates=ALLOWED_UPDATES)


def _keep_private(database: Path) -> None:
    """Take group and others' access from a database made before the umask (and its WAL)."""
    for path in (database, *(Path(f"{database}{tail}") for tail in ("-wal", "-shm"))):
        try:
            mode = path.stat().st_mode
            if mode & 0o077:
                path.chmod(mode & 0o700)
        except OSError:
            continue  # not made yet (the umask covers it), or not ours to change


async def cmd_residents(settings: Settings, args: argparse.Namespace) -> None:
    """Import a village's phone numbers from the household register (keyed hashes only)."""
    from bot.identity import load_identity
    from bot.residents.register import import_phones

    async def work(db: Database) -> None:
        if await territory.get_village(db, args.village) is None:
            raise UsageError(f"no village with code {args.village!r}: see `villages list`")
        try:
            text = await asyncio.to_thread(args.file.read_text, encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise UsageError(f"cannot read {args.file}: {error}") from error
        identity = load_identity(settings.identity_secret, settings.database_path)
        done = await import_phones(db, identity, args.village, text)
        print(f"{done.numbers} phone numbers of {args.village} stored as keyed hashes "
              f"({done.added} new); the file itself is not kept")  # fmt: skip
        if done.refused:
            lines = ", ".join(str(n) for n in done.refused[:20])
            more = " …" if len(done.refused) > 20 else ""
            print(f"{len(done.refused)} lines without a valid Kazakhstan number: {lines}{more}")

    await _with_db(settings, work)


async def cmd_bodies(settings: Settings, args: argparse.Namespace) -> None:
    """Import, list, add, edit or remove bodies of the directory."""
    from bot.bodies import service as bodies

    async def work(db: Database) -> None:
        if args.action == "import":
            try:
                done = await bodies.import_file(db, args.file)
            except bodies.BodiesFileError as error:
                raise UsageError(f"{args.file}: {error}") from None
            print(f"Bodies from {args.file}: {done.added} added, {done.changed} changed, "
                  f"{done.unchanged} unchanged")  # fmt: skip
        elif args.action == "list":
            for body in await bodies.listed(db, args.district):
                mark = "  (sample)" if body.sample else ""
                print(f"{body.district_code}  {body.code}  {body.names.ru} / {body.names.kk}  "
                      f"{body.phone}{mark}")  # fmt: skip
        else:
            await _edit_body(db, args)

    await _with_db(settings, work)


async def _edit_body(db: Database, args: argparse.Namespace) -> None:
    """``bodies add``, ``edit`` or ``remove`` one body."""
    from bot.bodies import service as bodies

    cells: dict[str, str] = {}
    for cell in getattr(args, "cells", []):
        column, equals, value = cell.partition("=")
        if not equals:
            raise UsageError(f"{cell!r} is not COLUMN=VALUE")
        cells[column.strip()] = value
    found = await bodies.find(db, args.district, args.code)
    try:
        if args.action == "add":
            cells.update(district_code=args.district, code=args.code)
            body = await bodies.add_cells(db, cells)
            print(f"Stored body {body.code} of {body.district_code}: {body.names.ru}")
        elif found is None or found.removed:
            raise UsageError(f"no body {args.code!r} in {args.district!r}: see `bodies list`")
        elif args.action == "edit":
            body = await bodies.edit(db, found, cells)
            print(f"Changed body {body.code} of {body.district_code}: {body.names.ru}")
        else:
            await bodies.remove(db, found)
            print(f"Removed body {found.code} of {found.district_code} (items handed to it "
                  "still name it)")  # fmt: skip
    except ValueError as error:
        raise UsageError(str(error)) from None


ASYNC_COMMANDS = {
    "bodies": cmd_bodies,
    "migrate": cmd_migrate,
    "villages": cmd_villages,
    "roles": cmd_roles,
    "invite": cmd_invite,
    "backup": cmd_backup,
    "report": cmd_report,
    "residents": cmd_residents,
    "print": cmd_print,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run the command; return the exit code."""
    os.umask(PRIVATE_UMASK)  # before the first file is made
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        _keep_private(settings.database_path)
        if args.command == "run":
            return _run(settings)
        if args.command == "demo":
            from bot.demo import run_demo

            asyncio.run(run_demo(args.out))
        else:
            logging.basicConfig(level=logging.WARNING)
            asyncio.run(ASYNC_COMMANDS[args.command](settings, args))
    except SettingsError as error:
        print(f"qatysu: {error}", file=sys.stderr)
        return EXIT_SETTINGS
    except (TerritoryFileError, UsageError) as error:
        print(f"qatysu: {error}", file=sys.stderr)
        return EXIT_INPUT
    except Crashed:
        return EXIT_CRASHED
    return 0
