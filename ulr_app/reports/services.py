"""The only code that changes quarterly returns and report runs: explanations, submitting (which
freezes the return as a report run with its files and their SHA-256), reopening. Flushes, never
commits; every change is audited."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Mapping, Optional

from flask import current_app
from sqlalchemy import select

from ..core import audit
from ..core.errors import Conflict, NotAllowed, ValidationFailed
from ..core.models import utcnow
from ..core.periods import Period
from ..extensions import db
from ..funding.models import Project
from . import builders, exports
from . import figures as figure_queries
from .models import FundingReturn, ReportRun

EXPLANATION_MAX = 2000
REASON_MAX = 2000
SPEND = "spend"


def return_of(project: Project, period: Period) -> Optional[FundingReturn]:
    return db.session.scalars(select(FundingReturn).where(
        FundingReturn.project_id == project.id, FundingReturn.period == period.code)).first()


def _return_for_change(project: Project, period: Period, version: Optional[int]) -> FundingReturn:
    ret = return_of(project, period)
    if ret is None:
        if version not in (None, 0):
            raise Conflict("This return was changed by someone else. Reload it and try again.")
        ret = FundingReturn(project_id=project.id, period=period.code, status="draft", explanations={})
        db.session.add(ret)
        db.session.flush()
        audit.record(db.session, "create", ret, summary=f"Started the {period.code} return of {project.name}")
        return ret
    if version is not None and int(version) != ret.version:
        raise Conflict("This return was changed by someone else. Reload it and try again.")
    return ret


def can_draft(user, project: Project) -> bool:
    """Explanations: the branch convenor of a branch project, the region's organisers, administrators."""
    if user.role == "admin":
        return True
    if user.role == "regional_organiser":
        return user.region_id == project.region_id
    if user.role == "branch_convenor":
        return project.branch_id is not None and user.branch_id == project.branch_id
    return False


def can_submit(user, project: Project) -> bool:
    """Submitting and reopening: the region's organisers and administrators."""
    return user.role == "admin" or (user.role == "regional_organiser" and user.region_id == project.region_id)


def explainable(project: Project) -> list[str]:
    return list(project.programme.measures) + [SPEND]


def save_explanations(project: Project, period: Period, explanations: Mapping[str, Any], *, user,
                      version: Optional[int]) -> FundingReturn:
    if not can_draft(user, project):
        raise NotAllowed("Only the branch convenor or the region's organisers write the explanations.")
    ret = _return_for_change(project, period, version)
    if ret.status == "submitted":
        raise Conflict("This return has been submitted. An organiser must reopen it before it can change.")
    allowed = set(explainable(project))
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, str] = {}
    for code, text in explanations.items():
        if code not in allowed:
            errors[code] = ["This programme does not count that measure"]
            continue
        text = (text or "").strip() if isinstance(text, str) else ""
        if "\x00" in text:
            errors[code] = ["The explanation must not contain NUL characters"]
        elif len(text) > EXPLANATION_MAX:
            errors[code] = [f"Explanations must be {EXPLANATION_MAX} characters or fewer"]
        elif text:
            cleaned[code] = text
    if errors:
        raise ValidationFailed("Check the explanations", errors)
    before = dict(ret.explanations or {})
    after = {**{k: v for k, v in before.items() if k not in explanations}, **cleaned}
    if after != before:
        ret.explanations = after
        db.session.flush()
        audit.record(db.session, "update", ret, summary=f"Explanations of the {period.code} return of {project.name}",
                     changes={"explanations": (before, after)})
    return ret


def canonical_hash(params: Mapping[str, Any], figures: Mapping[str, Any]) -> str:
    payload = json.dumps({"params": params, "figures": figures}, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def missing_explanations(figures: Mapping[str, Any], explanations: Mapping[str, str]) -> list[str]:
    """Codes beyond the variance threshold without a written explanation."""
    needed = list(figures.get("needs_explanation") or [])
    if (figures.get("spend") or {}).get("needs_explanation"):
        needed.append(SPEND)
    return [code for code in needed if not (explanations.get(code) or "").strip()]


def _keep(run: ReportRun, name: str, content: bytes) -> tuple[str, str]:
    relative = Path("reports") / "runs" / str(run.id) / name
    target = Path(current_app.instance_path) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)
    return str(relative), hashlib.sha256(content).hexdigest()


def run_path(run: ReportRun, fmt: str) -> Path:
    relative = getattr(run, f"{fmt}_path")
    root = (Path(current_app.instance_path) / "reports").resolve()
    path = (Path(current_app.instance_path) / (relative or "")).resolve()
    if not relative or root not in path.parents:
        raise FileNotFoundError(relative)
    return path


def submit_return(project: Project, period: Period, *, user, version: Optional[int]) -> FundingReturn:
    """Mark the return submitted: refuse while a measure beyond the threshold is unexplained, then
    freeze it as a report run (figures, explanations, PDF, CSV, XLSX with their SHA-256)."""

    if not can_submit(user, project):
        raise NotAllowed("Only the region's organisers submit returns.")
    ret = _return_for_change(project, period, version)
    if ret.status == "submitted":
        raise Conflict("This return has been submitted already.")
    figures = figure_queries.funding_return(project, period, user)
    missing = missing_explanations(figures, ret.explanations or {})
    if missing:
        labels = {m["code"]: m["label"] for m in figures["measures"]}
        labels[SPEND] = "Spend"
        raise ValidationFailed(
            "Explain every figure beyond the variance threshold before submitting",
            {code: [f"{labels.get(code, code)}: explain why it is more than {figures['threshold']:g}% "
                    f"away from the profile"] for code in missing})
    params = {"project_id": project.id, "period": period.code}
    frozen = {**figures, "explanations": dict(ret.explanations or {})}
    frozen = json.loads(json.dumps(frozen, default=str))
    digest = canonical_hash(params, frozen)
    run = ReportRun(report="funding", params=params, figures=frozen, sha256=digest, project_id=project.id,
                    region_id=project.region_id, branch_id=project.branch_id, created_by_id=user.id)
    db.session.add(run)
    db.session.flush()
    doc = builders.funding_document(project, period, frozen, run_hash=digest, links=False)
    stem = doc.filename_stem
    run.pdf_path, run.pdf_sha256 = _keep(run, f"{stem}.pdf", exports.to_pdf(doc))
    run.csv_path, run.csv_sha256 = _keep(run, f"{stem}.csv", exports.to_csv(doc))
    run.xlsx_path, run.xlsx_sha256 = _keep(run, f"{stem}.xlsx", exports.to_xlsx(doc))
    previous = ret.status
    ret.status, ret.submitted_at, ret.submitted_by_id, ret.run_id = "submitted", utcnow(), user.id, run.id
    db.session.flush()
    audit.record(db.session, "submit", ret, summary=f"Submitted the {period.code} return of {project.name} "
                 f"(frozen run {run.id}, SHA-256 {digest[:12]})", changes={"status": (previous, "submitted")})
    return ret


def reopen_return(project: Project, period: Period, *, user, reason: str, version: Optional[int]) -> FundingReturn:
    if not can_submit(user, project):
        raise NotAllowed("Only the region's organisers reopen a submitted return.")
    ret = _return_for_change(project, period, version)
    if ret.status != "submitted":
        raise Conflict("Only a submitted return can be reopened.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Say why the return is reopened", {"reason": ["Enter why the return is reopened"]})
    if len(reason) > REASON_MAX or "\x00" in reason:
        raise ValidationFailed("Check the reason", {"reason": [f"The reason must be {REASON_MAX} characters or fewer"]})
    if ret.run is not None:
        ret.run.superseded = True
    ret.status, ret.reopened_at, ret.reopened_by_id, ret.reopened_reason = "draft", utcnow(), user.id, reason
    db.session.flush()
    audit.record(db.session, "reopen", ret, summary=f"Reopened the {period.code} return of {project.name}: {reason[:200]}",
                 changes={"status": ("submitted", "draft"), "reopened_reason": (None, reason)})
    return ret


def differences(frozen: Mapping[str, Any], now: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Where today's figures differ from a frozen run's: [{"label", "field", "frozen", "now"}]."""
    out: list[dict[str, Any]] = []
    now_measures = {m["code"]: m for m in now.get("measures", [])}
    fields = (("target", "Target"), ("actual", "Actual"), ("cumulative_target", "Cumulative target"),
              ("cumulative_actual", "Cumulative actual"))
    for m in frozen.get("measures", []):
        current = now_measures.get(m["code"], {})
        for key, label in fields:
            if m.get(key) != current.get(key):
                out.append({"label": m.get("label", m["code"]), "field": label, "frozen": m.get(key),
                            "now": current.get(key)})
    fs, ns = frozen.get("spend") or {}, now.get("spend") or {}
    for key, label in (("budget", "Budget"), ("actual", "Actual spend")):
        if str(fs.get(key)) != str(ns.get(key)):
            out.append({"label": "Spend", "field": label, "frozen": fs.get(key), "now": ns.get(key)})
    return out
