"""sync.outcome: one class per kind of failure, with distinct exit codes (issue 8 item 6)."""
from __future__ import annotations

import json

from sync import outcome
from sync.answers import parse_answer as _parse
from sync.errors import ForeignAnswer, NetworkError, RunTimeLimit, error_for


def _hub_403() -> Exception:
    body = {"message": "station 'D' (role door) may not orders.upload",
            "details": {"applicationError": {"code": "PERMISSION_DENIED", "description": "",
                                             "data": {"permission": "orders.upload"}}}}
    try:
        _parse("POST", "/tessera/v1/orders", 403, json.dumps(body).encode())
    except Exception as exc:  # noqa: BLE001 - the parsed error is what we test
        return exc
    raise AssertionError("a 403 must raise")


def test_each_error_class_has_its_own_kind_and_exit_code():
    assert outcome.of_error(NetworkError("GET /x: ConnectError")).kind == outcome.OFFLINE
    refused = outcome.of_error(_hub_403())
    assert refused.kind == outcome.REFUSED
    assert (refused.endpoint, refused.permission) == ("POST /tessera/v1/orders", "orders.upload")
    assert "missing permission orders.upload" in refused.text() and "POST /tessera/v1/orders" in refused.text()
    assert outcome.of_error(error_for(503, "UNAVAILABLE", {})).kind == outcome.SERVER_ERROR
    assert outcome.of_error(ForeignAnswer(404, "HTTP_404", {})).kind == outcome.SERVER_ERROR
    assert outcome.of_error(RunTimeLimit("too long")).kind == outcome.FAILED
    codes = [outcome.EXIT_CODES[k] for k in (outcome.OK, outcome.FAILED, outcome.REJECTED, outcome.OFFLINE,
                                              outcome.REFUSED, outcome.SERVER_ERROR, outcome.CLOCK_SKEW,
                                              outcome.NOT_CONNECTED)]
    assert len(set(codes)) == len(codes) and 2 not in codes  # 2 stays argparse's usage error


def test_a_run_that_went_on_is_refused_rejected_skewed_or_ok_in_that_order():
    pull_403 = {"endpoint": "GET /events/v1/ticket-definitions", "permission": "definitions.read", "status": 403,
                "message": "no", "phase": "pull"}
    push_403 = dict(pull_403, endpoint="POST /tessera/v1/orders", permission="orders.upload", phase="push")
    run = dict(ok=True, skipped=False, error=None, clock_warning=None)
    assert outcome.of_run(**run, refusals=[pull_403], rejected=0).kind == outcome.REFUSED
    rejected = outcome.of_run(**run, refusals=[push_403], rejected=1)
    assert rejected.kind == outcome.REJECTED and rejected.permission == "orders.upload"
    assert outcome.of_run(**dict(run, clock_warning="off by 5 min"), refusals=[], rejected=0).kind == \
        outcome.CLOCK_SKEW
    assert outcome.of_run(**run, refusals=[], rejected=0).exit_code == 0
    failed = outcome.of_run(ok=False, skipped=False, error=NetworkError("down"), refusals=[], rejected=0,
                            clock_warning=None)
    assert failed.kind == outcome.OFFLINE and failed.to_json()["exitCode"] == 4
