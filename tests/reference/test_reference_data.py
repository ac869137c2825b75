"""Reference data: UNISON's 12 regions, English LAs from the shipped file, vocabularies."""
from __future__ import annotations

from sqlalchemy import func, select

from ulr_app.extensions import db
from ulr_app.organisation.models import LocalAuthority, Region
from ulr_app.reference.loader import VOCABULARIES, region_for_la_code
from ulr_app.reference.models import ReferenceTerm


def _counts():
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Region, LocalAuthority, ReferenceTerm))


def test_reference_load_is_idempotent(runner, app):
    before = _counts()
    result = runner.invoke(args=["reference", "load"])
    assert result.exit_code == 0, result.output
    assert "0 new regions" in result.output
    assert _counts() == before


def test_the_twelve_regions(app):
    names = set(db.session.scalars(select(Region.name)))
    assert len(names) == 12
    assert {"Eastern", "Greater London", "Northern", "Yorkshire & Humberside", "Cymru/Wales", "Scotland",
            "Northern Ireland"} <= names


def test_local_authorities_from_the_shipped_file(app):
    barnet = db.session.scalars(select(LocalAuthority).where(LocalAuthority.la_code == "302")).one()
    assert barnet.name == "Barnet" and barnet.gss_code == "E09000003" and barnet.live
    # joint rows in the source are split into one authority each
    assert {la.name for la in db.session.scalars(select(LocalAuthority).where(LocalAuthority.la_code.in_(["940", "941"])))} == {
        "North Northamptonshire", "West Northamptonshire"}
    # "x" is not an LA code
    assert db.session.scalar(select(func.count()).select_from(LocalAuthority).where(LocalAuthority.la_code == "x")) == 0


def test_region_of_an_la(app):
    assert region_for_la_code("302").name == "Greater London"
    assert region_for_la_code("391").name == "Northern"
    assert region_for_la_code("999") is None


def test_vocabularies(app):
    for vocabulary, terms in VOCABULARIES.items():
        codes = list(db.session.scalars(select(ReferenceTerm.code).where(ReferenceTerm.vocabulary == vocabulary)
                                        .order_by(ReferenceTerm.position)))
        assert codes == [t[0] for t in terms]
    levels = list(db.session.scalars(select(ReferenceTerm.code).where(ReferenceTerm.vocabulary == "level").order_by(ReferenceTerm.position)))
    assert levels[:5] == ["pre_entry", "entry_1", "entry_2", "entry_3", "level_1"] and levels[-1] == "unlevelled"
    assert "term_time_contract" in db.session.scalars(select(ReferenceTerm.code).where(ReferenceTerm.vocabulary == "barrier")).all()
