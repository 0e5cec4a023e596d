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
