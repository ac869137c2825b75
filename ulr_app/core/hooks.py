"""Named extension points, so a lower domain can show or do something of a higher one without importing
it: the lower domain asks by name, the higher one answers (as reminder sources already do).

    # in cases (higher): answer the question
    @hooks.provide("learner.cases")
    def cases_about(learner, user): ...

    # in learners (lower): ask it
    cases = hooks.first("learner.cases", learner, user, default=[])

Every hook name is listed in :data:`HOOKS` with what it is for, so the extension points of the app
can be read in one place; providing an unlisted name is an error.
"""
from __future__ import annotations

from typing import Any, Callable

#: name -> what the hook is for (who asks, who answers)
HOOKS = {
    "learner.cases": "learners asks for the cases about a learner a user may see (cases answers)",
    "learner.merge_movers": "learners asks which other records follow a learner merged into another: "
                            "(position, label, model) (cases answers)",
    "timeoff.case_visible": "time off asks whether a refusal's dispute case is one the user may see (cases answers)",
    "timeoff.visible_learner_ids": "time off asks for a SELECT of the ids of the learners a ULR may see, so that a "
                                   "learner-release request about a learner handed over leaves their view (learners "
                                   "answers)",
    "timeoff.learner_in_branch": "time off asks whether a learner exists in a branch (learners answers)",
    "timeoff.branch_learners": "time off asks for a branch's learners a user may see, as (id, label), to name "
                               "the learner of a learner release (learners answers)",
    "timeoff.learner": "time off asks for a learner-release request's learner: name, whether the user may open "
                       "their page, and their open enrolments' course titles (learners answers)",
    "rep.time_off": "a ULR's page asks for their recent time-off requests and facility time (time off answers)",
    "api.token_user": "the API asks whose an API token is (accounts answers)",
    "organisation.branch_moved": "organisation says a branch moved to another region, so that the records that "
                                 "carry its region follow it: its users (accounts answers)",
    "reference.loaders": "`flask reference load` asks each domain for its reference data loader "
                         "(learners: the course catalogue; funding: the built-in programmes)",
}

_providers: dict[str, list[Callable[..., Any]]] = {}


def provide(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``fn`` as an answer to hook ``name`` (once per function)."""
    if name not in HOOKS:
        raise ValueError(f"unknown hook {name}: list it in core.hooks.HOOKS")

    def decorator(fn: Callable[..., Any]) -> Callable[..., Any]:
        found = _providers.setdefault(name, [])
        if not any(getattr(f, "__qualname__", None) == fn.__qualname__ and f.__module__ == fn.__module__ for f in found):
            found.append(fn)
        return fn

    return decorator


def providers(name: str) -> list[Callable[..., Any]]:
    if name not in HOOKS:
        raise ValueError(f"unknown hook {name}")
    return list(_providers.get(name, ()))


def call_all(name: str, *args: Any, **kwargs: Any) -> list[Any]:
    """Every provider's answer, in the order they were registered."""
    return [fn(*args, **kwargs) for fn in providers(name)]


def first(name: str, *args: Any, default: Any = None, **kwargs: Any) -> Any:
    """The first provider's answer, or ``default`` when nobody answers."""
    found = providers(name)
    return found[0](*args, **kwargs) if found else default
