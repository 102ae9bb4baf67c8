"""The reports' input is built in one place (``flows.report_input``), with the survey's rules applied on the way, so
``reports/`` needs none of them: only the questions a respondent was shown count, only real answers, free text
cleaned; a questionnaire becomes a ``reports.inputs.Form`` with the same sections, wording and categories."""

from __future__ import annotations

from config.questionnaires import load_questionnaires
from flows.model import OFFICER
from flows.report_input import counted_answers, survey_data
from reports.inputs import Response
from reports.scoring import score
from reports.vocabulary import SectionKind

QN = load_questionnaires()


def test_a_hidden_follow_ups_stale_answer_a_stray_value_and_a_skip_do_not_count():
    qn = QN[OFFICER]
    # lead_help is asked only of those at Level 1 on leadership: answered, then leadership changed to Level 2.
    stored = {"kc_leadership": "l2", "lead_help": "stale words", "kc_standards": "l9", "kc_analytics": None}
    assert counted_answers(qn, stored) == {"kc_leadership": "l2"}
    shown = {"kc_leadership": "l1", "lead_help": "  needs\x00 training \x07 ", "kc_standards": "l3"}
    assert counted_answers(qn, shown) == {"kc_leadership": "l1", "lead_help": "needs training", "kc_standards": "l3"}


def test_the_form_keeps_the_questionnaires_structure_and_its_key_questions():
    qn = QN[OFFICER]
    form = qn.form
    assert form is qn.form  # built once per questionnaire
    assert [s.id for s in form.sections] == [s.id for s in qn.sections]
    assert [q.id for q in form.questions] == [q.id for q in qn.questions]
    for q, original in zip(form.questions, qn.questions, strict=True):
        assert q.text is original.text and q.type == original.type
        assert q.categories == qn.kind(original).categories()
        assert q.free_text is qn.kind(original).free_text
    lead_help = form.question("lead_help")
    assert lead_help is not None and lead_help.show_if is not None
    assert (lead_help.show_if.question, lead_help.show_if.any_of) == ("kc_leadership", ("l1",))
    keys = [s.key_question.id for s in form.sections if s.kind is SectionKind.CHARACTERISTIC and s.key_question]
    assert keys == list(form.key_questions) and len(keys) == 7
    assert all(s.key_question is None for s in form.sections if s.kind is SectionKind.THEME)


def test_survey_data_hands_the_reports_only_the_answers_that_count():
    stale = [
        Response(OFFICER, {"kc_leadership": "l2", "lead_help": f"stale {i}"}, reminders_before=i) for i in range(6)
    ]
    data = survey_data("Test Council", None, {OFFICER: 10}, stale, {OFFICER: QN[OFFICER]}, round="2026")
    assert [dict(r.answers) for r in data.responses] == [{"kc_leadership": "l2"}] * 6
    assert [r.reminders_before for r in data.responses] == list(range(6))  # the rest of each response as it was
    assert data.questionnaires == {OFFICER: QN[OFFICER].form} and data.round == "2026"
    assert score(data).characteristics[0].total.median == "l2"  # 6 answered: the median only, as for any 5 to 7
