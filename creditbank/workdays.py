"""Working days (工作日) in mainland China: Monday to Friday, without the public holidays the
State Council announces and with its make-up working days (调休), as published in the
``chinesecalendar`` package. For a year the package does not know yet, Monday to Friday."""

from datetime import date, timedelta

from chinese_calendar import holidays, workdays


def is_working_day(day: date) -> bool:
    if day in workdays:
        return True
    return day.weekday() < 5 and day not in holidays


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when ``end`` <= ``start``):
    something that arrived on a Friday and is looked at on the Monday waited one working day."""
    days, day = 0, start + timedelta(days=1)
    while day <= end:
        days += is_working_day(day)
        day += timedelta(days=1)
    return days


def add_working_days(start: date, days: int) -> date:
    """The day on which something that arrived on ``start`` has waited ``days`` working days
    (``working_days_between(start, result) == days``, the earliest such day)."""
    day = start
    while days > 0:
        day += timedelta(days=1)
        days -= is_working_day(day)
    return day


def overdue_before(today: date, due: int) -> date:
    """The first day of arrival that is not overdue on ``today``: whatever arrived before the
    returned day has waited more than ``due`` working days (``working_days_between`` > due), so
    a queue counts its overdue items with one comparison in SQL."""
    waited, day = 0, today
    while True:
        waited += is_working_day(day)
        if waited > due:
            return day
        day -= timedelta(days=1)
