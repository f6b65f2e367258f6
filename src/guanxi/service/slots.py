"""Free-slot search and roadside dispatch, in plain Python (no Django): the bookings of the range
are read in one query by service.bookings and handed in as data, so the search costs no query per
bay or day and is benchmarked alone (bench/service.py).

A slot is a bay free for the whole job from a start on the station's grid (every 30 minutes from
opening time), inside one working day: a car is not left on a lift overnight.
"""

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass

Interval = tuple[dt.datetime, dt.datetime]


@dataclass(frozen=True)
class Slot:
    station_id: int
    bay_id: int
    starts: dt.datetime
    ends: dt.datetime


def day_windows(hours, since: dt.date, until: dt.date) -> list[Interval]:
    """(opens, closes) in UTC of each working day from `since` to `until`, both included. `hours`
    is anything with `opens`, `closes`, `zone` and `works_on(day)` (core.working_hours.Hours)."""
    zone = zoneinfo.ZoneInfo(hours.zone)
    windows, day = [], since
    while day <= until:
        if hours.works_on(day):
            windows.append((dt.datetime.combine(day, hours.opens, zone).astimezone(dt.UTC),
                            dt.datetime.combine(day, hours.closes, zone).astimezone(dt.UTC)))
        day += dt.timedelta(days=1)
    return windows


def merged(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted and joined where they touch or overlap, so that one pass can walk them."""
    joined: list[list[dt.datetime]] = []
    for start, end in sorted(intervals):
        if joined and start <= joined[-1][1]:
            joined[-1][1] = max(joined[-1][1], end)
        else:
            joined.append([start, end])
    return [(start, end) for start, end in joined]


def _on_grid(opens: dt.datetime, moment: dt.datetime, step: dt.timedelta) -> dt.datetime:
    """The first grid point of the day opening at `opens` not before `moment`."""
    if moment <= opens:
        return opens
    return opens + -((opens - moment) // step) * step


def free_in_bay(windows: list[Interval], busy: list[Interval], length: dt.timedelta, step: dt.timedelta,
                not_before: dt.datetime) -> list[dt.datetime]:
    """Starts on the grid where the bay is free for `length`; `busy` merged (see merged)."""
    starts, i = [], 0
    for opens, closes in windows:
        moment = _on_grid(opens, not_before, step)
        while moment + length <= closes:
            while i < len(busy) and busy[i][1] <= moment:
                i += 1
            if i < len(busy) and busy[i][0] < moment + length:
                moment = _on_grid(opens, busy[i][1], step)  # jump past the booking in the way
                continue
            starts.append(moment)
            moment += step
    return starts


def free_slots(bays: Iterable[tuple[int, int]], windows: dict[int, list[Interval]],
               busy: dict[int, list[Interval]], minutes: int, not_before: dt.datetime,
               step_minutes: int = 30) -> list[Slot]:
    """Every free (bay, start) of `bays` ((bay id, station id) pairs) in their stations' `windows`
    (station id -> day_windows), minus the `busy` times of each bay (bay id -> intervals), for a job
    of `minutes`, starting no earlier than `not_before`; in time order, then by bay."""
    length, step = dt.timedelta(minutes=minutes), dt.timedelta(minutes=step_minutes)
    found = []
    for bay_id, station_id in bays:
        for start in free_in_bay(windows.get(station_id, []), merged(busy.get(bay_id, ())), length, step,
                                 not_before):
            found.append(Slot(station_id, bay_id, start, start + length))
    found.sort(key=lambda slot: (slot.starts, slot.station_id, slot.bay_id))
    return found


def soonest_free(technicians: dict[int, tuple[dt.datetime, list[Interval]]], now: dt.datetime,
                 minutes: int) -> tuple[int, dt.datetime] | None:
    """The technician free soonest for a job of `minutes` and when: `technicians` maps an id to
    (the end of the shift under way, the technician's booked times). A job must start before the
    shift ends; ties go to the lower id. None when nobody can take it."""
    length, best = dt.timedelta(minutes=minutes), None
    for technician_id in sorted(technicians):
        shift_ends, busy = technicians[technician_id]
        moment = now
        for start, end in merged(busy):
            if end <= moment:
                continue
            if start >= moment + length:
                break
            moment = end
        if moment < shift_ends and (best is None or moment < best[1]):
            best = (technician_id, moment)
    return best
