"""The translator's workflow (issue 23 item 6): XLIFF 1.2 out, reviewed Welsh back in, review states by hash.

Every test that writes works on temporary copies of the YAML sources (``bot.translations_cli.ROOT`` pointed at a
copy), never on the project's own files.

- The round trip: export, a translator edits one target and marks it final, import: that one Welsh line of that one
  file changes and nothing else in any file; the review is recorded against the English's hash.
- Every shipped text is in the export: every bilingual pair of every source, found here independently of the code
  under test, and every text the bot's own loaders load.
- Placeholders, Telegram HTML, plain text, list lengths, the glossary and the bot's own loaders refuse a bad import
  with one clear line naming the text, and nothing is written.
- When the English changes after a review, the text is back to needs-review; a file exported before the English
  changed is refused (or its stale texts skipped).
- ``campaign create`` and ``run`` warn while respondent-facing Welsh is unreviewed, refuse with
  ``--require-reviewed-welsh`` or DATATOOL_REQUIRE_REVIEWED_WELSH, and go ahead silently once it is all reviewed.
"""

from __future__ import annotations

import difflib
import hashlib
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from lxml import etree

import bot.translations_cli as translations
from bot.cli import main
from bot.yaml_texts import pairs, patch

REAL_ROOT = translations.ROOT
XLIFF = "{urn:oasis:names:tc:xliff:document:1.2}"
GLOSSARY = """\
terms:
  - en: council
    en_forms: [council, councils]
    cy: cyngor
    forms: [cyngor, gyngor, nghyngor, chyngor, cynghorau, gynghorau]
    rejected: [cownsil]
"""


def source_files(root: Path) -> list[Path]:
    """The YAML files that hold texts, as the issue lists them: the catalogue, the questionnaires, the report texts,
    the privacy notice, the good-practice examples (and the other bilingual configuration)."""
    skip = {"glossary_cy.yaml", "translation_review.yaml"}
    return [
        root / "flows" / "messages.yaml",
        *sorted((root / "config" / "questionnaires").glob("*.yaml")),
        *sorted((root / "reports").glob("i18n_*.yaml")),
        *sorted(p for p in (root / "config").glob("*.yaml") if p.name not in skip),
    ]


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of every YAML source (and the review file), with the commands pointed at it; a glossary of one term."""
    root = tmp_path / "project"
    for path in source_files(REAL_ROOT) + [REAL_ROOT / "config" / "translation_review.yaml"]:
        copy = root / path.relative_to(REAL_ROOT)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, copy)
    (root / "config" / "glossary_cy.yaml").write_text(GLOSSARY, encoding="utf-8")
    monkeypatch.setattr(translations, "ROOT", root)
    monkeypatch.chdir(tmp_path)
    for name in ("DATATOOL_PRIVACY_NOTICE", "DATATOOL_REQUIRE_REVIEWED_WELSH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATATOOL_DB_PATH", str(tmp_path / "datatool.db"))
    monkeypatch.setenv("DATATOOL_BOT_USERNAME", "datatool_test_bot")
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.yaml"))}


def export(path: Path, *extra: str) -> etree._ElementTree:
    assert main(["translations", "export", "--out", str(path), *extra]) == 0
    return etree.parse(str(path))


def unit(tree: etree._ElementTree, original: str, unit_id: str) -> etree._Element:
    (found,) = tree.xpath(
        "//x:file[@original=$o]//x:trans-unit[@id=$i]", namespaces={"x": XLIFF[1:-1]}, o=original, i=unit_id
    )
    return found


def set_target(
    tree: etree._ElementTree, original: str, unit_id: str, text: str | None = None, state: str = "final"
) -> None:
    """What a translator's tool does: a new Welsh text and/or its state."""
    target = unit(tree, original, unit_id).find(f"{XLIFF}target")
    if text is not None:
        target.text = text
    target.set("state", state)


def save(tree: etree._ElementTree, path: Path) -> Path:
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")
    return path


# ---- the round trip ----------------------------------------------------------------------------------------------


def test_the_round_trip_changes_that_welsh_text_and_nothing_else(workspace: Path, tmp_path: Path, capsys):
    before = snapshot(workspace)
    tree = export(tmp_path / "cy.xlf")
    assert tree.getroot().get("version") == "1.2"
    files = tree.getroot().findall(f"{XLIFF}file")
    assert {f.get("source-language") for f in files} == {"en"} and {f.get("target-language") for f in files} == {"cy"}
    welcome = unit(tree, "flows/messages.yaml", "welcome")
    assert welcome.find(f"{XLIFF}source").text == "Welcome! <b>{title}</b> · <b>{authority}</b>"
    assert welcome.find(f"{XLIFF}target").get("state") == "needs-review-translation"
    note = welcome.find(f"{XLIFF}note").text
    assert "Shown to respondents" in note and "{authority}, {title}" in note and "<b>" in note

    set_target(tree, "flows/messages.yaml", "your_answer", "Eich ateb chi: {answer}")
    set_target(tree, "flows/messages.yaml", "welcome")  # reviewed as it is
    capsys.readouterr()
    assert main(["translations", "import", str(save(tree, tmp_path / "reviewed.xlf"))]) == 0
    assert (
        "1 Welsh text(s) changed in 1 file(s) (flows/messages.yaml); 2 newly marked reviewed" in capsys.readouterr().out
    )

    after = snapshot(workspace)
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {"flows/messages.yaml", "config/translation_review.yaml"}
    diff = [
        line
        for line in difflib.unified_diff(
            before["flows/messages.yaml"].decode().splitlines(),
            after["flows/messages.yaml"].decode().splitlines(),
            lineterm="",
            n=0,
        )
        if line[:1] in "+-" and line[:3] not in ("+++", "---")
    ]
    assert diff == ['-  cy: "Eich ateb: {answer}"', '+  cy: "Eich ateb chi: {answer}"']
    reviews = yaml.safe_load(after["config/translation_review.yaml"])["reviews"]
    assert set(reviews) == {"flows/messages.yaml#welcome", "flows/messages.yaml#your_answer"}
    assert (
        reviews["flows/messages.yaml#your_answer"]["en_sha256"] == hashlib.sha256(b"Your answer: {answer}").hexdigest()
    )
    assert (
        reviews["flows/messages.yaml#your_answer"]["cy_sha256"]
        == hashlib.sha256(b"Eich ateb chi: {answer}").hexdigest()
    )

    # Exported again, both are final; the bot's own catalogue reads the new Welsh.
    again = export(tmp_path / "again.xlf", "--force")
    for key in ("welcome", "your_answer"):
        assert unit(again, "flows/messages.yaml", key).find(f"{XLIFF}target").get("state") == "final"
    from flows.i18n import Catalogue

    catalogue_file = workspace / "flows" / "messages.yaml"
    assert (
        Catalogue.parse(catalogue_file.read_text(encoding="utf-8"), str(catalogue_file)).raw("your_answer", "cy")
        == "Eich ateb chi: {answer}"
    )
    # Importing the same file again changes nothing.
    assert main(["translations", "import", str(tmp_path / "reviewed.xlf")]) == 0
    assert snapshot(workspace) == after


def test_a_dry_run_writes_nothing(workspace: Path, tmp_path: Path, capsys):
    before = snapshot(workspace)
    tree = export(tmp_path / "cy.xlf")
    set_target(tree, "flows/messages.yaml", "your_answer", "Eich ateb chi: {answer}")
    assert main(["translations", "import", "--dry-run", str(save(tree, tmp_path / "r.xlf"))]) == 0
    assert "would change" in capsys.readouterr().out
    assert snapshot(workspace) == before


def test_writing_back_changes_exactly_the_welsh_of_every_text_of_every_source():
    """Every text of every shipped source rewritten at once (block, folded, quoted, plain, flow, lists, anchors):
    the file reads back with exactly those values changed; rewritten with the same values, it is byte for byte the
    same."""
    for path in source_files(REAL_ROOT):
        text = path.read_text(encoding="utf-8")
        found = pairs(text, path.name)
        assert patch(text, [(p, p.cy) for p in found], path.name) == text

        def changed(value):
            if isinstance(value, tuple):
                return tuple(f"{v} (newydd)" for v in value)
            return (
                value.rstrip("\n")
                + ' a rhagor o eiriau yma, i\'w lapio: "dyfynnu" & <i>'
                + value[len(value.rstrip("\n")) :]
            )

        rewritten = patch(text, [(p, changed(p.cy)) for p in found], path.name)
        assert [(p.path, p.en, p.cy) for p in pairs(rewritten)] == [(p.path, p.en, changed(p.cy)) for p in found]
        original, new = yaml.safe_load(text), yaml.safe_load(rewritten)
        assert _without_welsh(original) == _without_welsh(new), path


def _without_welsh(node: object) -> object:
    if isinstance(node, dict):
        return {k: (None if k == "cy" and "en" in node else _without_welsh(v)) for k, v in node.items()}
    if isinstance(node, list):
        return [_without_welsh(v) for v in node]
    return node


# ---- every shipped text is in the export -------------------------------------------------------------------------


def independent_pairs(node: object) -> Iterator[tuple[str, str]]:
    """(English, Welsh) of every mapping with both, as plain YAML reads it (lists one item a line); the words matched
    against typing or comments (typed, keywords) are not texts anyone reads."""
    if isinstance(node, dict):
        en, cy = node.get("en"), node.get("cy")
        if isinstance(en, list) and isinstance(cy, list):
            en, cy = "\n".join(map(str, en)), "\n".join(map(str, cy))
        if isinstance(en, str) and isinstance(cy, str):
            yield en, cy
        for key, value in node.items():
            if key not in ("typed", "keywords", "en", "cy"):
                yield from independent_pairs(value)
    elif isinstance(node, list):
        for value in node:
            yield from independent_pairs(value)


def bilingual(node: object, seen: set[int] | None = None) -> Iterator[tuple[str, str]]:
    """Every (en, cy) text object the bot's loaders built (pydantic models, dataclasses, dicts)."""
    seen = set() if seen is None else seen
    if id(node) in seen or isinstance(node, (str, int, float, bool, type(None))):
        return
    seen.add(id(node))
    en, cy = getattr(node, "en", None), getattr(node, "cy", None)
    if isinstance(en, str) and isinstance(cy, str):
        yield en, cy
        return
    if isinstance(node, dict):
        values = list(node.values())
    elif isinstance(node, (list, tuple)):
        values = list(node)
    elif hasattr(node, "__dict__"):
        values = list(vars(node).values())
    else:
        return
    for value in values:
        yield from bilingual(value, seen)


def test_every_shipped_text_is_in_the_export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATATOOL_DB_PATH", str(tmp_path / "datatool.db"))
    monkeypatch.delenv("DATATOOL_PRIVACY_NOTICE", raising=False)
    tree = export(tmp_path / "all.xlf")
    exported: dict[str, set[tuple[str, str]]] = {}
    for file in tree.getroot().findall(f"{XLIFF}file"):
        exported[file.get("original")] = {
            (u.find(f"{XLIFF}source").text or "", u.find(f"{XLIFF}target").text or "")
            for u in file.iter(f"{XLIFF}trans-unit")
        }
    every = set().union(*exported.values())
    missing = []
    for path in source_files(REAL_ROOT):
        name = str(path.relative_to(REAL_ROOT))
        found = set(independent_pairs(yaml.safe_load(path.read_text(encoding="utf-8"))))
        missing += [f"{name}: {en[:60]!r}" for en, cy in found - exported.get(name, set())]
    assert missing == [], "\n".join(missing)
    for name in (
        "flows/messages.yaml",
        "config/questionnaires/officer.yaml",
        "config/questionnaires/member.yaml",
        "reports/i18n_reports.yaml",
        "config/privacy.yaml",
        "config/good_practice.yaml",
    ):
        assert exported.get(name), f"{name} is not in the export"

    # And every text the bot itself loads: the catalogue by key, the questionnaires, the privacy notice, the
    # good-practice examples.
    from bot.services import load_questionnaires
    from config.good_practice import load_good_practice
    from config.privacy import load_privacy_notice
    from flows.i18n import catalogue

    messages = {
        u.get("id")
        for u in tree.xpath("//x:file[@original='flows/messages.yaml']//x:trans-unit", namespaces={"x": XLIFF[1:-1]})
    }
    assert set(catalogue().keys()) <= messages
    loaded = [*bilingual(load_questionnaires()), *bilingual(load_good_practice())]
    notice = load_privacy_notice()
    loaded += (
        [(notice.templates[part]["en"], notice.templates[part]["cy"]) for part in ("short", "full")]
        if notice.templates
        else [(notice.short["en"], notice.short["cy"]), (notice.full["en"], notice.full["cy"])]
    )
    assert len(loaded) > 200
    assert [
        pair
        for pair in loaded
        if pair not in every and (pair[0].strip(), pair[1].strip()) not in {(e.strip(), c.strip()) for e, c in every}
    ] == []


def test_all_shipped_welsh_starts_as_needing_review_unless_a_review_is_recorded(tmp_path: Path, monkeypatch):
    """The shipped Welsh was machine-written: a text is final only where config/translation_review.yaml records a
    translator's review of its current English and Welsh."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATATOOL_DB_PATH", str(tmp_path / "datatool.db"))
    tree = export(tmp_path / "all.xlf")
    reviews = translations.load_reviews()
    for file in tree.getroot().findall(f"{XLIFF}file"):
        for trans_unit in file.iter(f"{XLIFF}trans-unit"):
            key = f"{file.get('original')}#{trans_unit.get('id')}"
            state = trans_unit.find(f"{XLIFF}target").get("state")
            if key not in reviews:
                assert state == "needs-review-translation" and trans_unit.get("approved") == "no", key


# ---- refusing a bad import -----------------------------------------------------------------------------------------

ORIGINAL_THANKS = (
    "<b>Diolch.</b> Mae eich atebion ar gyfer {authority} wedi'u cyflwyno. Bydd yr archwilwyr yn adrodd "
    "y canlyniadau cyfunol, dienw i'r cyngor."
)


@pytest.mark.parametrize(
    "original, unit_id, welsh, expected",
    [
        (
            "flows/messages.yaml",
            "your_answer",
            "Eich ateb:",
            "has other placeholders than the English (missing {answer})",
        ),
        (
            "flows/messages.yaml",
            "your_answer",
            "Eich ateb: {ateb}",
            "has other placeholders than the English (missing {answer}; not in the English: {ateb})",
        ),
        ("flows/messages.yaml", "review_title", "<b>Gwiriwch eich atebion", "is HTML Telegram would refuse"),
        (
            "flows/messages.yaml",
            "review_title",
            "Gwiriwch eich atebion",
            "has the tags none where the English has <b>: keep the same tags",
        ),
        ("flows/messages.yaml", "review_title", "<b>Gwiriwch <p>eich</p> atebion</b>", "is HTML Telegram would refuse"),
        (
            "config/questionnaires/officer.yaml",
            "sections[leadership].questions[kc_leadership].text",
            "Pa ddatganiad sy'n <b>disgrifio</b>'r cyngor heddiw?",
            "is plain text, but has the tags <b>",
        ),
        ("reports/i18n_reports.yaml", "months", "Ionawr\nChwefror", "is a list of 12 lines in English but 2 in Welsh"),
        (
            "flows/messages.yaml",
            "thank_you",
            ORIGINAL_THANKS.replace("i'r cyngor", "i'r cownsil"),
            "uses 'cownsil', which the glossary rejects: write 'cyngor' for 'council'",
        ),
        (
            "flows/messages.yaml",
            "thank_you",
            ORIGINAL_THANKS.replace("i'r cyngor", "i'r awdurdod"),
            "does not use the glossary's 'cyngor' (or a form of it: cyngor, gyngor, nghyngor, chyngor, cynghorau, "
            "gynghorau), though the English says 'council'",
        ),
        ("flows/messages.yaml", "your_answer", "", "has no Welsh"),
        (
            "config/privacy.yaml",
            "short",
            "+ gair" * 1000,  # the Welsh as it is, and more: too long for Telegram
            "config/privacy.yaml: short.cy is ",
        ),
    ],
)
def test_a_bad_import_is_refused_with_a_clear_line_and_nothing_is_written(
    workspace: Path, tmp_path: Path, capsys, original: str, unit_id: str, welsh: str, expected: str
):
    before = snapshot(workspace)
    tree = export(tmp_path / "cy.xlf")
    if welsh.startswith("+"):
        welsh = unit(tree, original, unit_id).find(f"{XLIFF}target").text + welsh[1:]
    set_target(tree, original, unit_id, welsh)
    set_target(tree, "flows/messages.yaml", "skipped", "(wedi'i hepgor o hyd)")  # a good change beside it
    capsys.readouterr()
    assert main(["translations", "import", str(save(tree, tmp_path / "bad.xlf"))]) == 2
    err = capsys.readouterr().err.splitlines()
    assert "Traceback" not in "\n".join(err)
    assert any(
        f"bad.xlf: {original}#{unit_id}: the Welsh {expected}" in line
        or line.startswith(f"datatool-bot: {tmp_path / 'bad.xlf'}: {expected}")
        for line in err
    ), err
    assert err[-1].startswith(f"datatool-bot: {tmp_path / 'bad.xlf'}: nothing was imported: ")
    assert snapshot(workspace) == before  # not even the good change


def test_a_file_that_is_not_xliff_or_not_welsh_is_refused_in_one_line(workspace: Path, tmp_path: Path, capsys):
    (tmp_path / "notes.xlf").write_text("these are my notes")
    assert main(["translations", "import", str(tmp_path / "notes.xlf")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("datatool-bot: ") and "is not an XLIFF 1.2 file" in err and len(err.splitlines()) == 1
    tree = export(tmp_path / "cy.xlf")
    for file in tree.getroot().findall(f"{XLIFF}file"):
        file.set("target-language", "fr")
    capsys.readouterr()
    assert main(["translations", "import", str(save(tree, tmp_path / "fr.xlf"))]) == 2
    assert "is a translation into 'fr', not Welsh (cy)" in capsys.readouterr().err
    assert main(["translations", "import", str(tmp_path / "missing.xlf")]) == 1
    assert "missing.xlf" in capsys.readouterr().err


def test_export_does_not_overwrite_without_force(workspace: Path, tmp_path: Path, capsys):
    (tmp_path / "cy.xlf").write_text("keep me")
    assert main(["translations", "export", "--out", str(tmp_path / "cy.xlf")]) == 2
    assert "already exists" in capsys.readouterr().err and (tmp_path / "cy.xlf").read_text() == "keep me"


# ---- changed English goes back to needs-review --------------------------------------------------------------------


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_when_the_english_changes_its_welsh_needs_review_again(workspace: Path, tmp_path: Path, capsys):
    tree = export(tmp_path / "cy.xlf")
    set_target(tree, "flows/messages.yaml", "your_answer")
    set_target(tree, "flows/messages.yaml", "skipped")
    assert main(["translations", "import", str(save(tree, tmp_path / "r.xlf"))]) == 0
    capsys.readouterr()
    assert main(["translations", "status"]) == 0
    assert capsys.readouterr().out.splitlines()[1].split()[:2] == ["respondents", "2"]

    # A developer rewords the English of one, and edits the Welsh of the other by hand.
    messages = workspace / "flows" / "messages.yaml"
    replace_in(messages, 'en: "Your answer: {answer}"', 'en: "You answered: {answer}"')
    replace_in(messages, 'cy: "(wedi\'i hepgor)"', 'cy: "(hepgor)"')
    assert main(["translations", "status", "--list"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[1].split()[:2] == ["respondents", "0"]
    assert "flows/messages.yaml#your_answer\trespondent\tthe English changed after the Welsh was reviewed on " in out
    assert "flows/messages.yaml#skipped\trespondent\tthe Welsh was edited after it was reviewed on " in out
    again = export(tmp_path / "again.xlf")
    changed = unit(again, "flows/messages.yaml", "your_answer")
    assert changed.find(f"{XLIFF}target").get("state") == "needs-review-translation"
    assert "Review: the English changed after the Welsh was reviewed on" in changed.find(f"{XLIFF}note").text


def test_a_file_exported_before_the_english_changed_is_refused_or_its_stale_texts_skipped(
    workspace: Path, tmp_path: Path, capsys
):
    tree = export(tmp_path / "cy.xlf")
    set_target(tree, "flows/messages.yaml", "your_answer", "Eich ateb chi: {answer}")
    set_target(tree, "flows/messages.yaml", "skipped", "(wedi'i hepgor o hyd)")
    save(tree, tmp_path / "r.xlf")
    replace_in(workspace / "flows" / "messages.yaml", 'en: "Your answer: {answer}"', 'en: "You answered: {answer}"')
    before = snapshot(workspace)
    capsys.readouterr()
    assert main(["translations", "import", str(tmp_path / "r.xlf")]) == 2
    err = capsys.readouterr().err
    assert "flows/messages.yaml#your_answer: the English has changed since the file was exported: export again" in err
    assert snapshot(workspace) == before
    assert main(["translations", "import", "--skip-changed-english", str(tmp_path / "r.xlf")]) == 0
    assert "skipped flows/messages.yaml#your_answer" in capsys.readouterr().err
    text = (workspace / "flows" / "messages.yaml").read_text()
    assert 'cy: "(wedi\'i hepgor o hyd)"' in text and 'cy: "Eich ateb: {answer}"' in text


# ---- warnings and the refusal before fieldwork opens ---------------------------------------------------------------

CREATE = ["campaign", "create", "--authority", "flint", "--closes", (date.today() + timedelta(days=60)).isoformat()]


def test_campaign_create_warns_while_respondents_welsh_is_unreviewed(workspace: Path, capsys):
    assert main(CREATE) == 0
    out, err = capsys.readouterr()
    assert out.strip() == "1"
    warning = err.splitlines()[-1]
    assert warning.startswith("datatool-bot: warning: ")
    assert "Welsh texts respondents read have not been reviewed by a qualified translator" in warning


@pytest.mark.parametrize("how", ["flag", "setting"])
def test_reviewed_welsh_can_be_required_before_fieldwork_opens(workspace: Path, capsys, monkeypatch, how: str):
    if how == "setting":
        monkeypatch.setenv("DATATOOL_REQUIRE_REVIEWED_WELSH", "true")
    argv = CREATE + (["--require-reviewed-welsh"] if how == "flag" else [])
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert "fieldwork cannot open until they are" in err
    assert main(["campaign", "list"]) == 0
    assert "No campaigns yet" in capsys.readouterr().out  # nothing was created


def test_run_refuses_to_start_without_reviewed_welsh_when_it_is_required(workspace: Path, tmp_path: Path):
    env = {
        "PATH": "/usr/bin:/bin",
        "DATATOOL_TELEGRAM_TOKEN": "123456:" + "A" * 35,
        "DATATOOL_TELEGRAM_BASE_URL": "http://127.0.0.1:9/bot",
        "DATATOOL_DB_PATH": str(tmp_path / "run.db"),
        "DATATOOL_REQUIRE_REVIEWED_WELSH": "1",
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1 and "fieldwork cannot open until they are" in done.stderr
    assert not (tmp_path / "run.db").exists()  # refused before the database or Telegram


def test_once_every_respondent_text_is_reviewed_fieldwork_opens_without_a_word(workspace: Path, tmp_path: Path, capsys):
    (workspace / "config" / "glossary_cy.yaml").unlink()
    tree = export(tmp_path / "cy.xlf")
    for target in tree.iter(f"{XLIFF}target"):
        target.set("state", "signed-off")  # the other state that means reviewed
    assert main(["translations", "import", str(save(tree, tmp_path / "all.xlf"))]) == 0
    capsys.readouterr()
    assert main(CREATE + ["--require-reviewed-welsh"]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == "1" and "warning" not in err
    assert translations.welsh_gate(translations_settings(tmp_path), require=True) is None


def translations_settings(tmp_path: Path):
    from config.settings import Settings

    return Settings(_env_file=None, db_path=tmp_path / "x.db")  # type: ignore[call-arg]
