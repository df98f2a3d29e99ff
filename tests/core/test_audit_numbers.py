"""Numbers in an event's details reach the audit log whole: a fraction of 15 or 18 digits is
not an ID number's shape (an alert's coverage 0.669260700389105 lost its event: the masked
digits made the details invalid JSON)."""

from __future__ import annotations

import json

from core import audit


def test_a_long_fraction_is_recorded_and_an_id_number_still_masked(tmp_path, monkeypatch):
    path = tmp_path / "audit.sqlite"
    monkeypatch.setenv(audit.ENV, str(path))
    value, third = 0.669260700389105, 1 / 3  # 15 and 16 digits after the point
    assert audit.record("alert", user="x", details={"value": value, "third": third,
                                                    "note": "150702800101123"}) is not None
    details = json.loads(audit.events(path).to_dicts()[-1]["details"])
    assert details["value"] == value and details["third"] == third
    assert details["note"] == "150702*****1123"
