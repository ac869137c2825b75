"""Reference data: UNISON regions, English local authorities and the controlled vocabularies.

Idempotent: running it again updates labels and adds what is new, never duplicates.
"""
from __future__ import annotations

import csv
from datetime import date, datetime
from importlib import resources
from typing import Optional

from sqlalchemy import select

from ..core import hooks
from ..extensions import db
from ..organisation.models import LocalAuthority, Region
from .models import ReferenceTerm

#: UNISON's 12 regions: (code, name, ONS region code for the English ones)
REGIONS = (
    ("eastern", "Eastern", "E12000006"),
    ("east_midlands", "East Midlands", "E12000004"),
    ("greater_london", "Greater London", "E12000007"),
    ("northern", "Northern", "E12000001"),
    ("north_west", "North West", "E12000002"),
    ("south_east", "South East", "E12000008"),
    ("south_west", "South West", "E12000009"),
    ("west_midlands", "West Midlands", "E12000005"),
    ("yorkshire_humberside", "Yorkshire & Humberside", "E12000003"),
    ("cymru_wales", "Cymru/Wales", None),
    ("northern_ireland", "Northern Ireland", None),
    ("scotland", "Scotland", None),
)

VOCABULARIES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "staff_category": (
        ("learning_support", "Learning support", "Teaching assistants, HLTAs, cover supervisors, nursery nurses"),
        ("pupil_welfare", "Pupil welfare", "Learning mentors, midday supervisors, pastoral staff"),
        ("specialist_technical", "Specialist and technical", "Technicians, librarians"),
        ("administrative", "Administrative", "Office, finance and exams staff, bursars and school business managers"),
        ("site", "Site", "Caretakers, cleaners, catering staff"),
        ("non_school", "Not school-based", "Staff who do not work in schools"),
    ),
    "barrier": (
        ("time_release", "Time off / release", "Cannot get time off work to learn"),
        ("cover", "Cover", "No one to cover while away"),
        ("workload", "Workload", ""),
        ("cost", "Cost", ""),
        ("childcare", "Childcare", ""),
        ("term_time_contract", "Term-time contract", "Courses fall outside paid time"),
        ("transport", "Transport", ""),
        ("confidence", "Confidence", ""),
        ("information", "Information", "Did not know what was available"),
        ("management_support", "Management support", ""),
        ("computer_access", "Computer access", ""),
        ("other", "Other", ""),
    ),
    "level": (
        ("pre_entry", "Pre-entry", ""),
        ("entry_1", "Entry level 1", ""),
        ("entry_2", "Entry level 2", ""),
        ("entry_3", "Entry level 3", ""),
        *((f"level_{n}", f"Level {n}", "") for n in range(1, 9)),
        ("unlevelled", "No level (informal)", "Union and informal courses without a level"),
    ),
}


def _date(value: str) -> Optional[date]:
    value = (value or "").strip()
    return datetime.strptime(value, "%d/%m/%Y").date() if value else None


def load_regions() -> int:
    existing = {r.code: r for r in db.session.scalars(select(Region))}
    added = 0
    for code, name, ons in REGIONS:
        region = existing.get(code)
        if region is None:
            db.session.add(Region(code=code, name=name, ons_code=ons))
            added += 1
        else:
            region.name, region.ons_code = name, ons
    db.session.flush()
    return added


def load_local_authorities() -> int:
    existing = {la.gss_code: la for la in db.session.scalars(select(LocalAuthority))}
    added = 0
    for gss_code, values in _local_authority_rows():
        la = existing.get(gss_code)
        if la is None:
            la = existing[gss_code] = LocalAuthority(gss_code=gss_code, **values)
            db.session.add(la)
            added += 1
        else:
            for k, v in values.items():
                setattr(la, k, v)
    db.session.flush()
    return added


def _local_authority_rows():
    """Rows of the shipped LA file. Joint rows ("E06000061 / E06000062", "940 / 941") are split;
    codes that are not 3 digits ("x") are treated as missing."""
    with resources.files("ulr_app.data").joinpath("local_authorities.csv").open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            codes = [c.strip() for c in row["new_la_code"].split("/")]
            names = [n.strip() for n in row["la_name"].split("/")]
            la_codes = [c.strip() for c in (row.get("old_la_code") or "").split("/")]
            if not (len(codes) == len(names) == len(la_codes)):
                names, la_codes = [row["la_name"].strip()] * len(codes), [""] * len(codes)
            for gss, name, la_code in zip(codes, names, la_codes):
                yield gss[:9], dict(
                    name=name,
                    la_code=la_code if la_code.isdigit() and len(la_code) == 3 else None,
                    ons_region_code=(row.get("parent_geography_code") or "").strip() or None,
                    kind=row["entity_description"].strip() or "Other",
                    live=row["status"].strip().lower() == "live",
                    operating_from=_date(row["date_of_operation"]),
                    operating_to=_date(row["date_of_termination"]),
                )


def load_vocabularies() -> int:
    existing = {(t.vocabulary, t.code): t for t in db.session.scalars(select(ReferenceTerm))}
    added = 0
    for vocabulary, terms in VOCABULARIES.items():
        for position, (code, label, description) in enumerate(terms):
            term = existing.get((vocabulary, code))
            if term is None:
                db.session.add(ReferenceTerm(vocabulary=vocabulary, code=code, label=label,
                                             description=description or None, position=position))
                added += 1
            else:
                term.label, term.description, term.position = label, description or None, position
    db.session.flush()
    return added


def load_all() -> dict[str, int]:
    """Regions, local authorities and vocabularies, then what each domain loads as reference data
    (the ``reference.loaders`` hook: learners' course catalogue, funding's built-in programmes)."""
    added = {"regions": load_regions(), "local_authorities": load_local_authorities(),
             "reference_terms": load_vocabularies()}
    for name, loader in hooks.call_all("reference.loaders"):
        added[name] = loader()
    return added


def region_for_la_code(la_code: str) -> Optional[Region]:
    """The UNISON region of an English LA, via its ONS region code."""
    la = db.session.scalars(
        select(LocalAuthority).where(LocalAuthority.la_code == la_code).order_by(LocalAuthority.live.desc())
    ).first()
    if la is None or not la.ons_region_code:
        return None
    return db.session.scalars(select(Region).where(Region.ons_code == la.ons_region_code)).first()
