"""``datatool-bot translations export | import | status``, and the Welsh check before fieldwork opens.

The sources are every YAML file whose texts someone reads: the message catalogue (``flows/messages.yaml``), the
questionnaires (``config/questionnaires/*.yaml``), the report texts (``reports/i18n_*.yaml``), the privacy notice
(``DATATOOL_PRIVACY_NOTICE`` or ``config/privacy.yaml``) and the other bilingual configuration (``config/*.yaml``:
the good-practice examples, the codebook's labels, the publisher).  ``bot/translations.py`` decides; this module
reads and writes the files and the XLIFF.

**Export** writes XLIFF 1.2 (translate-toolkit): one ``<file>`` per source, one ``<trans-unit>`` per text with the
English source, the current Welsh target, its state (``needs-review-translation``, or ``final`` once reviewed) and a
note saying where it is shown, its markup and placeholders, and why it needs review.

**Import** reads a translator's file back, checks every text it changes or marks final, and, only when nothing is
wrong, writes the Welsh into the YAML sources in place (nothing else in them changes) and records each reviewed text
against the hash of its English in ``config/translation_review.yaml``.  Run it in a checkout of the source: the
changed files are then reviewed and committed like any other change, and deployed with the release.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from bot.translations import (
    AUDIENCES,
    FINAL,
    NEEDS_REVIEW,
    Audience,
    Glossary,
    Incoming,
    Markup,
    Review,
    Unit,
    as_text,
    counts,
    parse_reviews,
    plan_import,
    render_reviews,
    status,
    unreviewed,
)
from bot.yaml_texts import YamlTextError, pairs, patch
from config.settings import Settings
from flows.i18n import ENGLISH, WELSH

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
"""The folder holding the packages (a checkout, or site-packages): the sources are found, and named, relative to it
(the tests point it at a copy)."""
REVIEW_FILE = Path("config") / "translation_review.yaml"
GLOSSARY_FILE = Path("config") / "glossary_cy.yaml"
NOT_TEXTS = {"glossary_cy.yaml", "translation_review.yaml", "authorities.yaml", "reminders.yaml"}
"""config/*.yaml files that hold no texts to translate (the glossary's terms are its own; council names are the
councils' own, in config/authorities.yaml)."""
MAX_PROBLEMS_SHOWN = 40


class TranslationsError(Exception):
    """A translations command or the Welsh check cannot go on; ``str()`` is the one line to print."""


# ---- the sources ---------------------------------------------------------------------------------------------------


AUDITOR_PREFIXES = ("auditor_", "rates_", "role_", "completion_", "progress_")
RESPONDENT_KEYS = {"progress", "progress_last", "progress_all_answered"}


def message_audience(path: str) -> Audience:
    """Who reads a message-catalogue text: the auditors' commands, rates, digest and menu, or respondents."""
    from bot.constants import RESPONDENT_COMMANDS

    key = path.split(".")[0]
    if key in RESPONDENT_KEYS:
        return "respondent"
    if key.startswith(AUDITOR_PREFIXES):
        return "auditor"
    if key.startswith("cmd_") and key.removeprefix("cmd_") not in {c.value for c in RESPONDENT_COMMANDS}:
        return "auditor"
    return "respondent"


@dataclass(frozen=True)
class Source:
    label: str
    path: Path
    markup: Markup
    audience: Callable[[str], Audience]
    check: Callable[[Path], object]
    """The loader the bot uses for the file: an imported file must still load."""


def _label(path: Path) -> str:
    try:
        return path.resolve().relative_to(ROOT.resolve()).as_posix()
    except ValueError:
        return str(path)


def _check_catalogue(path: Path) -> object:
    from flows.i18n import Catalogue

    missing = Catalogue.parse(path.read_text(encoding="utf-8"), str(path)).missing()
    if missing:
        raise ValueError(f"no text for {missing[0][0]} in {missing[0][1]}")
    return None


def _check_questionnaire(path: Path) -> object:
    from config.questionnaires import load_questionnaire

    return load_questionnaire(path)


def _check_privacy(path: Path) -> object:
    from config.privacy import load_privacy_notice

    return load_privacy_notice(path)


def _check_mapping(path: Path) -> object:
    if not isinstance(yaml.safe_load(path.read_text(encoding="utf-8")), dict):
        raise ValueError("expected a mapping of text keys")
    return None


def _config_check(name: str) -> Callable[[Path], object]:
    def check(path: Path) -> object:
        if name == "good_practice.yaml":
            from config.good_practice import load_good_practice

            return load_good_practice(path)
        if name == "codebook.yaml":
            from config.codebook import load_codebook

            return load_codebook(path)
        if name == "publisher.yaml":
            from config.publisher import load_publisher

            return load_publisher(path)
        return _check_mapping(path)

    return check


def sources(settings: Settings | None = None) -> list[Source]:
    """Every YAML file with texts someone reads, the configured privacy notice in place of the shipped one."""
    flows_dir, reports_dir, config_dir = ROOT / "flows", ROOT / "reports", ROOT / "config"
    found = [
        Source(
            _label(flows_dir / "messages.yaml"),
            flows_dir / "messages.yaml",
            "telegram-html",
            message_audience,
            _check_catalogue,
        )
    ]
    for path in sorted((config_dir / "questionnaires").glob("*.yaml")):
        found.append(Source(_label(path), path, "plain", lambda _: "respondent", _check_questionnaire))
    for path in sorted(reports_dir.glob("i18n_*.yaml")):
        found.append(Source(_label(path), path, "plain", lambda _: "report", _check_mapping))
    privacy = (settings.privacy_notice if settings is not None else None) or config_dir / "privacy.yaml"
    found.append(Source(_label(privacy), privacy, "telegram-html", lambda _: "respondent", _check_privacy))
    for path in sorted(config_dir.glob("*.yaml")):
        if path.name not in NOT_TEXTS and path.name != "privacy.yaml":
            # the report's own texts: the good-practice examples, the codebook's labels, the publisher
            found.append(Source(_label(path), path, "plain", lambda _: "report", _config_check(path.name)))
    return found


def load_units(settings: Settings | None = None, chosen: list[Source] | None = None) -> list[Unit]:
    units: list[Unit] = []
    for source in chosen if chosen is not None else sources(settings):
        try:
            text = source.path.read_text(encoding="utf-8")
        except OSError as exc:
            raise TranslationsError(f"cannot read {source.path}: {exc.strerror or type(exc).__name__}") from None
        try:
            found = pairs(text, source.label)
        except YamlTextError as exc:
            raise TranslationsError(str(exc)) from None
        units += [
            Unit(f"{source.label}#{pair.path}", source.label, pair, source.audience(pair.path), source.markup)
            for pair in found
        ]
    return units


def load_reviews(path: Path | None = None) -> dict[str, Review]:
    path = path or ROOT / REVIEW_FILE
    try:
        return parse_reviews(yaml.safe_load(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return {}
    except (OSError, yaml.YAMLError, ValueError) as exc:
        raise TranslationsError(f"{path}: cannot read the translators' reviews: {' '.join(str(exc).split())}") from None


def load_glossary(path: Path | None = None) -> Glossary:
    path = path or ROOT / GLOSSARY_FILE
    try:
        return Glossary.from_data(yaml.safe_load(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return Glossary()
    except (OSError, yaml.YAMLError) as exc:
        raise TranslationsError(f"{path}: cannot read the glossary: {' '.join(str(exc).split())}") from None


# ---- the check before fieldwork opens ------------------------------------------------------------------------------


def welsh_gate(settings: Settings, require: bool = False) -> str | None:
    """None when every Welsh text respondents read is reviewed; otherwise a warning to show, or, when reviewed Welsh
    is required (``require`` or DATATOOL_REQUIRE_REVIEWED_WELSH), :class:`TranslationsError` refusing."""
    units = load_units(settings)
    waiting = unreviewed(units, load_reviews())
    if not waiting:
        return None
    total = sum(1 for u in units if u.audience == "respondent")
    said = (
        f"{len(waiting)} of the {total} Welsh texts respondents read have not been reviewed by a qualified "
        "translator (`datatool-bot translations status`)"
    )
    if require or settings.require_reviewed_welsh:
        raise TranslationsError(
            f"{said}: fieldwork cannot open until they are (--require-reviewed-welsh or "
            "DATATOOL_REQUIRE_REVIEWED_WELSH)"
        )
    return f"warning: {said}; the Welsh Language Standards expect it before fieldwork opens"


def log_unreviewed_welsh(settings: Settings) -> None:
    """The running bot's warning, logged once it has connected."""
    try:
        warning = welsh_gate(settings, require=False)
    except TranslationsError as exc:
        log.warning("%s", exc)
        return
    if warning:
        log.warning("%s", warning.removeprefix("warning: "))


# ---- XLIFF (translate-toolkit) -------------------------------------------------------------------------------------

XLIFF_NS = "urn:oasis:names:tc:xliff:document:1.2"
ID_SEPARATOR = "\x04"  # translate-toolkit's between a <file>'s original and a unit's id


def _xliff_classes() -> tuple[Any, Any]:
    from translate.storage import xliff

    class Unit12(xliff.xliffunit):
        namespace = XLIFF_NS

    class File12(xliff.xlifffile):
        UnitClass = Unit12
        namespace = XLIFF_NS
        XMLskeleton = (
            f"<?xml version=\"1.0\" ?>\n<xliff version='1.2' xmlns='{XLIFF_NS}'>\n<file original='NoName' "
            "source-language='en' datatype='plaintext'>\n<body>\n</body>\n</file>\n</xliff>"
        )

    return File12, Unit12


def to_xliff(units: list[Unit], reviews: dict[str, Review]) -> bytes:
    File12, _ = _xliff_classes()
    store = File12(sourcelanguage=ENGLISH, targetlanguage=WELSH)
    for unit in units:
        now = status(unit, reviews)
        entry = store.addsourceunit(as_text(unit.en), filename=unit.source, createifmissing=True)
        entry.setid(unit.pair.path)
        entry.settarget(as_text(unit.cy))
        entry.set_state_n(entry.statemap[now.state])
        entry.addnote(unit.note(now), origin="developer")
    return bytes(store)


def from_xliff(data: bytes, where: str) -> list[Incoming]:
    from translate.storage import xliff

    try:
        store = xliff.xlifffile.parsestring(data)
    except Exception as exc:  # lxml's or translate-toolkit's: any file that is not XLIFF
        raise TranslationsError(
            f"{where} is not an XLIFF 1.2 file ({type(exc).__name__}): export one with "
            "`datatool-bot translations export`"
        ) from None
    language = (store.gettargetlanguage() or "").lower()
    if language and not language.startswith(WELSH):
        raise TranslationsError(f"{where} is a translation into {language!r}, not Welsh (cy)")
    found = []
    for unit in store.getunits():
        original, _, local = unit.getid().rpartition(ID_SEPARATOR)
        target = unit.getlanguageNode(lang=None, index=1)
        found.append(
            Incoming(
                f"{original}#{local}",
                str(unit.source or ""),
                str(unit.target or ""),
                target.get("state") if target is not None else None,
            )
        )
    if not found:
        raise TranslationsError(f"{where} holds no texts")
    return found


# ---- the commands ----------------------------------------------------------------------------------------------------


def _write(path: Path, data: bytes) -> None:
    """Written beside it and renamed over it, keeping an existing file's mode."""
    mode = path.stat().st_mode & 0o777 if path.exists() else None
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


async def export_command(settings: Settings, args: argparse.Namespace) -> int:
    if args.out.is_dir():
        raise TranslationsError(f"--out {args.out} is a folder: give a file name, e.g. {args.out / 'cy.xlf'}")
    if args.out.exists() and not args.force:
        raise TranslationsError(f"{args.out} already exists: choose another --out file, or add --force")
    units, reviews = load_units(settings), load_reviews()
    if args.needs_review:
        units = [u for u in units if status(u, reviews).state != FINAL]
    args.out.write_bytes(to_xliff(units, reviews))
    waiting = sum(1 for u in units if status(u, reviews).state != FINAL)
    print(
        f"wrote {len(units)} texts to {args.out} ({waiting} need review): give it to the translator, then "
        "`datatool-bot translations import` it",
        file=sys.stderr,
    )
    return 0


async def import_command(settings: Settings, args: argparse.Namespace) -> int:
    incoming = from_xliff(args.file.read_bytes(), str(args.file))
    chosen = sources(settings)
    units = {u.key: u for u in load_units(settings, chosen)}
    reviews = load_reviews()
    plan = plan_import(
        units,
        incoming,
        reviews,
        load_glossary(),
        datetime.now(settings.zone).date(),
        skip_changed_english=args.skip_changed_english,
    )
    written = {s.label: s for s in chosen}
    new_texts: dict[str, str] = {}
    for label, changes in plan.changes.items():
        source = written[label]
        try:
            new_texts[label] = patch(source.path.read_text(encoding="utf-8"), changes, label)
        except YamlTextError as exc:
            plan.problems.append(str(exc))
            continue
        plan.problems += [
            problem if problem.startswith(label) else f"{label}: {problem}"
            for problem in _still_loads(source, new_texts[label])
        ]
    if plan.problems:
        for line in plan.problems[:MAX_PROBLEMS_SHOWN]:
            print(f"datatool-bot: {args.file}: {line}", file=sys.stderr)
        more = len(plan.problems) - MAX_PROBLEMS_SHOWN
        raise TranslationsError(
            f"{args.file}: nothing was imported: {len(plan.problems)} problem(s)"
            + (f" ({more} more not shown)" if more > 0 else "")
        )
    for line in plan.skipped:
        print(f"datatool-bot: skipped {line}", file=sys.stderr)
    if not args.dry_run:
        for label, text in new_texts.items():
            _write(written[label].path, text.encode("utf-8"))
        if plan.reviews != reviews:
            _write(ROOT / REVIEW_FILE, render_reviews(plan.reviews).encode("utf-8"))
    what = "would change" if args.dry_run else "changed"
    print(
        f"{args.file}: {plan.changed} Welsh text(s) {what} in {len(new_texts)} file(s)"
        f"{' (' + ', '.join(sorted(new_texts)) + ')' if new_texts else ''}; {plan.reviewed} newly marked reviewed "
        f"(final); {plan.back_to_review} back to needs-review"
        + ("; nothing written (--dry-run)" if args.dry_run else "")
    )
    return 0


def _still_loads(source: Source, text: str) -> list[str]:
    """The bot's own loader must still take the file (e.g. the privacy notice's length limit)."""
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / source.path.name
        copy.write_text(text, encoding="utf-8")
        try:
            source.check(copy)
        except Exception as exc:  # the loader's own one-line reason, with the temporary path taken out
            return [str(exc).replace(str(copy), source.label)]
    return []


async def status_command(settings: Settings, args: argparse.Namespace) -> int:
    units, reviews = load_units(settings), load_reviews()
    table = counts(units, reviews)
    names = {"respondent": "respondents", "auditor": "auditors", "report": "reports"}
    print(f"{'Welsh texts read by':<20} {'final':>7} {'needs review':>13} {'total':>7}")
    for audience in AUDIENCES:
        row = table[audience]
        print(f"{names[audience]:<20} {row[FINAL]:>7} {row[NEEDS_REVIEW]:>13} {sum(row.values()):>7}")
    done = sum(t[FINAL] for t in table.values())
    print(f"{'all':<20} {done:>7} {len(units) - done:>13} {len(units):>7}")
    if args.list:
        for unit in units:
            now = status(unit, reviews)
            if now.state != FINAL:
                print(f"{unit.key}\t{unit.audience}\t{now.reason}")
    waiting = table["respondent"][NEEDS_REVIEW]
    if waiting:
        print(
            f"{waiting} text(s) respondents read need a translator's review: `campaign create` and `run` warn, and "
            "refuse with --require-reviewed-welsh or DATATOOL_REQUIRE_REVIEWED_WELSH=true"
        )
    return 0


def add_translation_arguments(sub: Any) -> None:
    parser = sub.add_parser(
        "translations",
        help="the translator's workflow: export the Welsh texts as XLIFF, import the reviewed file",
        description="Every text respondents, auditors and reports show, for a translator: export it as XLIFF 1.2 "
        "(English source, current Welsh, state, where it is shown), import the reviewed file back into the YAML "
        "sources (checked: placeholders, Telegram HTML, the glossary), and count the texts by review state.",
    )
    tsub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    export = tsub.add_parser("export", help="write every text as XLIFF 1.2 for a translator")
    export.add_argument("--out", type=Path, required=True, help="the XLIFF file to write, e.g. cy.xlf")
    export.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    export.add_argument("--needs-review", action="store_true", help="only the texts that need review")
    imported = tsub.add_parser(
        "import",
        help="write a translator's reviewed Welsh back into the YAML sources",
        description="Read a translator's XLIFF file: each text whose target state is final (or signed-off) is "
        "recorded as reviewed against its current English; changed Welsh is checked and written into the YAML "
        "sources in place. Nothing is written if any text is refused. Run it in a checkout of the source and "
        "commit the changed files.",
    )
    imported.add_argument("file", type=Path, help="the XLIFF file, e.g. cy.xlf")
    imported.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    imported.add_argument(
        "--skip-changed-english",
        action="store_true",
        help="leave out texts whose English changed since the export, instead of refusing",
    )
    shown = tsub.add_parser("status", help="how many texts are reviewed, by who reads them")
    shown.add_argument("--list", action="store_true", help="also list each text that needs review, and why")
