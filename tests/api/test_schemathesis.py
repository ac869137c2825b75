"""The API against its own OpenAPI document (issue 13, item 8): schemathesis, in-process (WSGI, no network),
generates requests for every operation from ``/api/v1/openapi.json`` and sends them with each role's token.
Whatever it sends, the API never answers 5xx, answers only the status codes the document lists for the
operation, and every answer matches the document's schema.

Bounded and deterministic: a fixed number of examples per operation (``ULR_SCHEMATHESIS_EXAMPLES``, default
15), derandomised, without shrinking; every failure is collected and reported at once. Path parameters are
the ids of real records in the test world (so the operations reach their real code; unknown ids are covered
by test_robustness.py).
"""
from __future__ import annotations

import os
import re

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .helpers import new_token, world_ids  # noqa: E402

EXAMPLES = int(os.environ.get("ULR_SCHEMATHESIS_EXAMPLES", "15"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
ROLES = {"admin": "admin", "organiser": "organiser_a", "convenor": "convenor_a1", "ulr": "ulr_a1"}


def _in_own_context(app):
    """The app as a WSGI callable that gives each request its own app context (its own ``g`` and database
    session), as in production; the test's own context would otherwise be shared."""
    def wsgi(environ, start_response):
        with app.app_context():
            return list(app(environ, start_response))

    return wsgi


def _short(exc: BaseException) -> str:
    text = re.sub(r"\s+", " ", str(exc)).strip()
    return f"{type(exc).__name__}: {text[:600]}"


@pytest.mark.parametrize("mode,role", [("positive", role) for role in sorted(ROLES)]
                         + [("negative", "admin"), ("negative", "ulr")])
def test_the_api_keeps_to_its_document(app, world, mode, role):
    """Positive: requests the document allows, for every role. Negative: requests it does not allow (wrong
    types, missing or extra fields, values out of range), for the widest and the narrowest role: each must
    be refused with a 4xx the document lists, never a 5xx."""
    ids = world_ids(world)
    token = new_token(getattr(world.users, ROLES[role]))
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", _in_own_context(app))
    headers = {"Authorization": f"Bearer {token}"}
    failures: list[str] = []
    statuses: dict[int, int] = {}
    tested = 0
    for result in schema.get_all_operations():
        _exercise(result.ok(), mode, role, ids, headers, failures, statuses, _version_reader(app, headers))
        tested += 1
    assert tested >= 60, tested
    if mode == "positive":
        assert statuses.get(200, 0) + statuses.get(201, 0) > tested // 2, statuses  # it reached the real code
    print(mode, role, sorted(statuses.items()))
    assert not failures, f"{len(failures)} problems:\n" + "\n".join(failures[:40])


def _version_reader(app, headers: dict[str, str]):
    """``read(path)`` -> the record's current version (or None), so that a PATCH reaches the checks behind the
    version check instead of stopping at 409 every time."""
    client = app.test_client()

    def read(path: str):
        with app.app_context():
            response = client.get(path, headers=headers)
        return response.json.get("version") if response.status_code == 200 and response.is_json else None

    return read


def _exercise(operation, mode: str, role: str, ids: dict[str, int], headers: dict[str, str], failures: list[str],
              statuses: dict[int, int], read_version) -> None:
    """Send one operation its bounded examples; add what goes wrong to ``failures``."""
    # a record of the world for each id in the path (a new kind of record without one: generated ids)
    path_ids = {p.name: ids[p.name] for p in operation.path_parameters if p.name in ids}
    path = operation.path.format(**path_ids) if len(path_ids) == len(list(operation.path_parameters)) else None
    strategy = operation.as_strategy(GenerationMode(mode), path_parameters=path_ids, headers=headers)
    seen: set[str] = set()

    @settings(max_examples=EXAMPLES if mode == "positive" else max(EXAMPLES // 3, 1), derandomize=True,
              database=None, deadline=None, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def run(case):
        try:
            if (mode == "positive" and path and case.method == "PATCH" and isinstance(case.body, dict)
                    and "version" in case.body):
                case.body["version"] = read_version(path) or case.body["version"]
            response = case.call(headers=headers)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            case.validate_response(response, checks=CHECKS, headers=headers)
        except Exception as exc:  # noqa: BLE001 - every failure is collected, not the first only
            line = f"{operation.label} as {role}: {_short(exc)}"
            if line[:160] not in seen:
                seen.add(line[:160])
                failures.append(f"{line}\n    sent: {case.body!r} query={case.query!r}"[:1200])

    try:
        run()
    except Unsatisfiable:  # negative mode: with the path's ids fixed, nothing of this operation can be wrong
        assert mode == "negative", operation.label
    except Exception as exc:  # noqa: BLE001 - schemathesis may report what it found once the run is over
        failures.append(f"{operation.label} as {role}: {_short(exc)}"[:1500])
