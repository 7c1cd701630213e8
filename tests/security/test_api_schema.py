"""Schemathesis against the served API schema (issue 14): the schema declares every
endpoint's answers and errors (council.api, sessions/api_views.py, voting/api.py), so that
checking the answers against it means something. The API is served by Daphne, as in
production, and called with four identities: the clerk's token, the chair's, a
councillor's, and none.

Every operation gets positive cases (what the schema allows) and negative ones (what it
does not), its path's ids drawn at random or among the council's real sittings and votes.
Asserted: no server error (5xx), every status, content type and body as declared, and
every negative case refused with a 4xx. The counts are printed (pytest -s to see them).

The schema's own examples (extend_schema's OpenApiExample) are sent too, on the real ids.
SEANCE_SCHEMATHESIS_EXAMPLES (default 4) sets the examples per operation, mode and role:
with some forty operations, about 1,500 requests, three minutes on a loaded machine."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core import NOT_SET
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from tests import factories as f
from tests.browser.conftest import start_daphne
from voting import services as voting

pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLES = int(os.environ.get("SEANCE_SCHEMATHESIS_EXAMPLES", "4"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


ROLES = ["clerk", "chair", "councillor", "none"]


@dataclass
class Tally:
    requests: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    unsatisfiable: set[str] = field(default_factory=set)


@pytest.fixture
def served(transactional_db, settings) -> Iterator[str]:  # type: ignore[no-untyped-def]
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    server = start_daphne()
    try:
        yield f"http://127.0.0.1:{server.port.value}"
    finally:
        server.terminate()
        server.join(10)


def council() -> tuple[dict[str, str | None], dict[str, list[object]]]:
    """Tokens by role, and the real ids the paths draw from: a draft, a convened and an
    open sitting (a vote open, one closed), and another assembly's sitting."""
    a = f.assembly(members=7, population=1_000)
    people = list(a.members.order_by("id").select_related("user"))
    clerk = f.staff(a)
    draft = f.sitting(a, clerk=clerk, notes=False, days=20)
    convened = f.convened(a, clerk=clerk, days=30)
    live = f.in_session(a, present=6, clerk=clerk, proxies=[(people[6], people[5])])
    closed = voting.vote_open(item=live.current_item, kind="electronic", user=None)
    voting.vote_close(vote=closed, user=None, confirm=True)
    vote = voting.vote_open(item=live.current_item, kind="electronic", user=None)
    b = f.assembly(members=3, population=1_000)
    elsewhere = f.convened(b, notes=False)
    tokens = {
        "clerk": Token.objects.create(user=clerk).key,
        "chair": Token.objects.create(user=people[0].user).key,
        "councillor": Token.objects.create(user=people[5].user).key,
        "none": None,
    }
    ids = {
        "sitting_id": [draft.id, convened.id, live.id, elsewhere.id],
        "vote_id": [vote.id, closed.id],
        "item_id": [draft.items.first().id, convened.items.first().id, live.current_item_id],
        "slug": [a.slug, b.slug],
    }
    return tokens, ids


def strategy(operation, mode: GenerationMode, ids: dict[str, list[object]]):  # type: ignore[no-untyped-def]
    """Cases of one operation, its path's ids generated (a quarter of the cases) or real
    (the rest: else nearly every case is a 404)."""
    generated = operation.as_strategy(generation_mode=mode)
    names = [p.name for p in operation.path_parameters]
    if not names:
        return generated
    real = st.fixed_dictionaries({n: st.sampled_from(ids[n]) for n in names})
    on_real = real.flatmap(lambda p: operation.as_strategy(mode, path_parameters=p))
    return st.one_of(generated, on_real, on_real, on_real)


def from_examples(operation, ids: dict[str, list[object]]):  # type: ignore[no-untyped-def]
    """Cases made of the schema's own examples (extend_schema's OpenApiExample), sent to
    the real sittings and votes; None for an operation without examples."""
    found = operation.get_strategies_from_examples()
    if not found:
        return None
    names = [p.name for p in operation.path_parameters]
    real = st.fixed_dictionaries({n: st.sampled_from(ids[n]) for n in names})

    def on_real_ids(case, params):  # type: ignore[no-untyped-def]
        case.path_parameters = {**(case.path_parameters or {}), **params}
        return case

    return st.tuples(st.one_of(*found), real).map(lambda pair: on_real_ids(*pair))


def exercise(schema, role: str, token: str | None, ids, tally: Tally) -> None:  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Token {token}"} if token else {}
    for result in schema.get_all_operations():
        operation = result.ok()
        cases = [
            (mode.value, strategy(operation, mode, ids))
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        ]
        examples = from_examples(operation, ids)
        if examples is not None:
            cases.append(("examples", examples))
        for kind, cases_of_kind in cases:

            @seed(ROLES.index(role))  # reproducible, and each role its own cases
            @given(case=cases_of_kind)
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def run(case) -> None:  # type: ignore[no-untyped-def]
                response = case.call(headers=headers, timeout=30)
                tally.requests[role] += 1
                tally.statuses[str(response.status_code)] += 1
                mode_name = case.meta.generation.mode.value
                sent = f"{case.query or ''} {case.body if case.body is not NOT_SET else ''}"
                label = f"{role} {mode_name} {case.method} {case.formatted_path} {sent[:200]}"
                if response.status_code >= 500:
                    tally.server_errors.append(f"{label} -> {response.status_code}")
                try:
                    case.validate_response(response, checks=CHECKS, headers=headers)
                except FailureGroup as failures:
                    for failure in failures.exceptions:
                        tally.failures.append(f"{label}: {failure.title} ({response.status_code})")

            try:
                run()
            except Unsatisfiable:  # nothing of this operation can be made invalid
                tally.unsatisfiable.add(f"{kind} {operation.label}")


@pytest.mark.timeout(900)  # a loaded machine: the run is bounded by EXAMPLES, not by this
def test_schemathesis_finds_no_server_error_and_no_answer_outside_the_schema(served):
    tokens, ids = council()
    schema = schemathesis.openapi.from_url(f"{served}/api/schema/?format=json")
    assert len(list(schema.get_all_operations())) >= 15
    tally = Tally()
    for role, token in tokens.items():
        exercise(schema, role, token, ids, tally)
    print(f"\nschemathesis {schemathesis.__version__}, {EXAMPLES} examples per case")
    for role in tokens:
        print(f"  {role}: {tally.requests[role]} requests")
    print(f"  statuses: {dict(sorted(tally.statuses.items()))}")
    print(f"  server errors: {len(tally.server_errors)}, other failures: {len(tally.failures)}")
    print(f"  no case of: {sorted(tally.unsatisfiable)}")
    for line in sorted(set(tally.server_errors + tally.failures))[:40]:
        print("   ", line)
    assert sum(tally.requests.values()) > 0
    assert tally.server_errors == []
    assert tally.failures == []
    # The errors are part of what was exercised, not only the happy paths.
    assert {"200", "201", "400", "401", "403", "404"} <= set(tally.statuses)
