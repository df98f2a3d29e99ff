"""A behind-schedule rule that names its year (period 2012) checks that year's targets: it
read the year of the run's date only, so a rule for 2012 saved and run in 2013 found nothing
while its settings on the 预警 page said period=2012."""

from __future__ import annotations

from datetime import date

from alerts import conditions
from tests.alerts.test_alert_conditions import _relieved, _rule, with_targets  # noqa: F401


def test_a_named_year_is_checked_after_it_ended(with_targets, sample_db) -> None:  # noqa: F811
    relieved = _relieved(sample_db, date(2012, 1, 1), date(2012, 12, 31))
    rule = _rule("behind_schedule", {"pp": 10, "period": "2012"}, "relieved")
    found = conditions.evaluate(rule, with_targets, date(2013, 2, 1))
    assert [(f.region, f.period, f.value, f.reference) for f in found] == \
        [("150422", "2012", relieved["150422"], 1000.0)]
    # without a named year, February 2013 looks at 2013, which has no targets
    assert conditions.evaluate(_rule("behind_schedule", {"pp": 10}, "relieved"), with_targets,
                               date(2013, 2, 1)) == []
    # a year not begun on the run's date: nothing yet
    later = _rule("behind_schedule", {"pp": 10, "period": "2014"}, "relieved")
    assert conditions.evaluate(later, with_targets, date(2013, 2, 1)) == []
