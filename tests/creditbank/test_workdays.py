"""Working days: the date a step is due by, and the day before which a queue item is overdue,
agree with ``working_days_between`` (which the queues show as an item's age)."""

from datetime import date, timedelta

import pytest

from creditbank.workdays import add_working_days, overdue_before, working_days_between

# A plain week, the National Day holiday with its make-up working day (2026-10-10 is a
# Saturday worked), a Sunday and a Monday after New Year.
TODAYS = [
    date(2026, 12, 3),
    date(2026, 10, 9),
    date(2026, 10, 12),
    date(2026, 12, 6),
    date(2027, 1, 4),
]


@pytest.mark.parametrize("today", TODAYS)
@pytest.mark.parametrize("due", [0, 1, 5, 15])
def test_an_item_is_overdue_exactly_when_it_waited_more_than_the_due_working_days(today, due):
    first_in_time = overdue_before(today, due)
    for back in range(60):
        arrived = today - timedelta(days=back)
        overdue = working_days_between(arrived, today) > due
        assert overdue == (arrived < first_in_time), (arrived, first_in_time)


@pytest.mark.parametrize("start", TODAYS)
@pytest.mark.parametrize("days", [0, 1, 5, 15])
def test_the_expected_date_is_the_first_day_with_that_many_working_days_waited(start, days):
    expected = add_working_days(start, days)
    assert working_days_between(start, expected) == days
    if days:
        assert working_days_between(start, expected - timedelta(days=1)) < days


def test_the_national_day_holiday_is_not_counted():
    # Opened on 2026-09-30: 1-7 October are the holiday, 8-9 October working days, and the
    # Saturday 10 October a make-up working day.
    assert add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)
