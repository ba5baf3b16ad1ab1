"""``/api/v1/calendar``: the shared working-day calendar (policy/workdays.py), for the
clients and portal pages that show a time limit the rules count in working days."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from gongshu.ops.errors import ErrorOut
from gongshu.policy import workdays

router = Router(tags=["calendar"])


class AddIn(Schema):
    start: dt.date = Field(description="the day the time limit starts from (YYYY-MM-DD)")
    days: int = Field(ge=0, le=workdays.MAX_DAYS, description="working days to add")


class AddOut(Schema):
    start: dt.date
    days: int
    end: dt.date = Field(description="the last day of the time limit")
    provisional: bool = Field(
        description="true when the count reached a year whose holiday schedule is not "
        "published yet (counted Monday to Friday less the fixed-date statutory holidays)"
    )
    unscheduled_years: list[int]


@router.get(
    "/calendar/working-days/add",
    response={200: AddOut, 400: ErrorOut},
    auth=None,
    summary="Add working days",
)
def add_working_days(request: HttpRequest, query: Query[AddIn]):
    """The date ``days`` Chinese working days after ``start``, counting from the next
    day: public holidays off, make-up working days (调休) on."""
    counted = workdays.add(query.start, query.days)
    return {
        "start": query.start,
        "days": query.days,
        "end": counted.end,
        "provisional": counted.provisional,
        "unscheduled_years": list(counted.unscheduled_years),
    }
