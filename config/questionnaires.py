"""The questionnaires, one per role (``questionnaires/officer.yaml``, ``questionnaires/member.yaml``): read here and
validated against ``flows.model`` (which says what a questionnaire is and refuses one that cannot be used), then
passed in to the bot, the command line and the demo.  ``flows/`` never opens a file."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from flows.model import Questionnaire, QuestionnaireError, Role, questionnaire

QUESTIONNAIRE_DIR = Path(__file__).parent / "questionnaires"


def load_questionnaire(path: Path) -> Questionnaire:
    """The questionnaire in the YAML file ``path``; QuestionnaireError naming the file, the question and the reason
    when it cannot be read or used."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise QuestionnaireError(f"{path}: cannot read questionnaire: {exc}") from exc
    return questionnaire(raw, str(path))


def load_questionnaires(directory: Path = QUESTIONNAIRE_DIR) -> dict[str, Questionnaire]:
    """One questionnaire per role, validated at start-up (an invalid file stops the bot with its reason)."""
    return {role.value: load_questionnaire(Path(directory) / f"{role.value}.yaml") for role in Role}


@cache
def shipped_key_questions() -> dict[str, tuple[str, ...]]:
    """Role -> the key characteristic questions of the shipped questionnaires (the partial threshold of the response
    outcomes), read once, when first needed (``flows.campaigns.CampaignService``'s first /rates)."""
    from flows.report_input import forms_of, key_questions

    return key_questions(forms_of(load_questionnaires()))
