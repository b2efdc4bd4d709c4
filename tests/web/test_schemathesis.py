"""Property-based API testing with schemathesis against the live app (issue 21, CI): every
operation of the OpenAPI document, a bounded number of generated requests each, valid and
invalid, sent over loopback HTTP to the app on the same uvicorn configuration `tmrag serve`
uses. Fails on any 5xx and on any response whose status, content type, headers or body the
document does not describe. (schemathesis' pytest plugin does not run under pytest 9, so the
operations are driven with hypothesis directly.)"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.config import SchemathesisConfig

from .edge import tiny_settings
from .live import live_server

# Per operation and mode: enough for each field's edge cases and some invalid bodies, and the
# whole run well under a minute.
EXAMPLES = 20

pytestmark = pytest.mark.slow
# An invalid body can be refused as too large (413, documented on every POST) before its fields are read.
REJECTIONS = ["400", "413", "415", "422", "429"]
CONFIG = SchemathesisConfig.from_dict({"checks": {"negative_data_rejection": {"expected-statuses": REJECTIONS}}})


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    settings = tiny_settings(tmp_path_factory.mktemp("schemathesis"), rate_limit="off")
    with live_server(settings) as (host, port):
        yield schemathesis.openapi.from_url(f"http://{host}:{port}/openapi.json", config=CONFIG)


def _operations(schema) -> list:  # noqa: ANN001
    return [result.ok() for result in schema.get_all_operations()]


def _short(report: str) -> str:
    """The failure without schemathesis' reproducing curl line, which quotes the whole (up to 32 KiB) body."""
    return "\n".join(line[:300] for line in report.splitlines() if "curl " not in line)[:3000]


@pytest.mark.parametrize("mode", list(schemathesis.GenerationMode), ids=lambda m: m.value)
def test_every_operation_keeps_its_contract(api_schema, mode: schemathesis.GenerationMode) -> None:  # noqa: ANN001
    operations = _operations(api_schema)
    assert len(operations) >= 8  # the document lists the whole API, not an empty or partial one
    failures: list[str] = []
    tested: list[str] = []
    for operation in operations:
        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def run(case: schemathesis.Case) -> None:
            case.call_and_validate()

        try:
            run()
            tested.append(operation.label)
        except Unsatisfiable:  # negative mode, and nothing about the operation can be invalid (no body or query)
            continue
        except Exception as exc:  # noqa: BLE001 - every operation's failures are reported together
            failures.append(f"{operation.label}: {_short(str(exc))}")
    assert not failures, "\n\n".join(failures)
    assert {"POST /ask", "POST /ask/stream", "POST /search"} <= set(tested)
