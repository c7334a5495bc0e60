"""Hard rules: may this mentor be proposed to this mentee under this form at all?

Rule codes returned by :func:`eligible` (checked in this order):

* ``no_consent`` — either side is a minor without recorded parental consent (``consent_ok``
  False). Such people are never matched.
* ``mentor_category`` / ``mentee_category`` — the form does not allow this category on this side
  (domain/data/forms.json, keys ``mentor`` and ``mentee``).
* ``other_org`` — the form has ``same_org`` (student–student, teacher–teacher, teacher–student) and
  the two belong to different organisations. college_school, employer_student and
  employer_collegian allow pairs across organisations.
* ``mentor_age`` — a student mentor (a ``school_student`` on the mentor side of a form with
  ``student_mentor``) must be 15–18: ``today.year - birth_year`` in 15..18 inclusive; an unknown
  birth year fails.
* ``grade_gap`` — a student mentor must be at least ``min_grade_gap`` (2) grades above the mentee;
  an unknown grade on either side fails.

Two more rules are applied by :func:`domain.matching.match` because they are not about the two
people alone: pairs listed in ``excluded`` (declined, rejected or dissolved before) are never
proposed, and a mentor gets at most ``capacity`` mentees (approved ``fixed`` pairs included).
"""
from __future__ import annotations

from .forms import STUDENT_MENTOR_MAX_AGE, STUDENT_MENTOR_MIN_AGE, Form, get_form
from .model import Person, Spec

RULE_CODES = ("no_consent", "mentor_category", "mentee_category", "other_org", "mentor_age", "grade_gap")


def student_mentor_age_ok(form: Form, mentor: Person, year: int) -> bool:
    if not form.is_student_mentor(mentor.category):
        return True
    if mentor.birth_year is None:
        return False
    return STUDENT_MENTOR_MIN_AGE <= year - mentor.birth_year <= STUDENT_MENTOR_MAX_AGE


def mentor_rule(form: Form, mentor: Person, year: int) -> str | None:
    """The rules that depend on the mentor alone."""
    if not mentor.consent_ok:
        return "no_consent"
    if mentor.category not in form.mentor:
        return "mentor_category"
    if not student_mentor_age_ok(form, mentor, year):
        return "mentor_age"
    return None


def mentee_rule(form: Form, mentee: Person) -> str | None:
    """The rules that depend on the mentee alone."""
    if not mentee.consent_ok:
        return "no_consent"
    if mentee.category not in form.mentee:
        return "mentee_category"
    return None


def eligible(mentor: Person, mentee: Person, spec: Spec) -> str | None:
    """None when the pair passes every hard rule of ``spec.form``, else the code of the first
    rule it violates (see the module docstring). Raises ValueError for an unknown form."""
    form = get_form(spec.form)
    year = spec.today.year
    if not mentor.consent_ok or not mentee.consent_ok:
        return "no_consent"
    if mentor.category not in form.mentor:
        return "mentor_category"
    if mentee.category not in form.mentee:
        return "mentee_category"
    if form.same_org and mentor.org_id != mentee.org_id:
        return "other_org"
    if form.is_student_mentor(mentor.category):
        if not student_mentor_age_ok(form, mentor, year):
            return "mentor_age"
        if mentor.grade is None or mentee.grade is None or mentor.grade - mentee.grade < form.min_grade_gap:
            return "grade_gap"
    return None
