"""Rows of the hand-checked legal-clock table, part 4: natural-day periods (法律援助法's 七日 and
the like) with the rest-day end rule, across the 2026 holidays (run by test_natural_days.py).

The rule (民法典 Arts. 200-204, 行政诉讼法 Art. 83): natural days, the start day not counted; a
period whose last day is a rest day (a statutory holiday, or a Saturday or Sunday that is not a
make-up working day) ends on the first working day after it. A stop from S to R leaves out the
days in (S, R], as for working days. Every expected figure was counted by hand from the 2026
notice (rest days 1/1-3; 2/15-23, make-up 2/14 Sat and 2/28 Sat; 4/4-6; 5/1-5, make-up 5/9 Sat;
6/19-21; 9/25-27 (Mid-Autumn), make-up 9/20 Sun; 10/1-7, make-up 10/10 Sat); the comment above
each row shows the count. `remaining` counts down to the due date (so it includes the days the
end rule added); `limit` stays the statutory figure.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.clock.table_support import d, ev

# A legal-aid style item: natural days from receipt, no separate acceptance window.
AID: dict[str, Any] = {
    "unit": "natural_days",
    "limit": 7,
    "promised_limit": 5,
    "limit_from": "receipt",
    "acceptance_window": 0,
    "max_extension_days": 0,
    "max_extensions": 0,
}


def aid(**changes: Any) -> dict[str, Any]:
    return {**AID, **changes}


CASES = [
    # The example. Received Wed 9/30; days 1-7 = 10/1..10/7, all National Day rest days;
    # the 7th (10/7) is a rest day, so the period ends on the first working day after it: Thu
    # 10/8. As of 10/2: counted 10/1, 10/2 = 2; 6 days to 10/8.
    pytest.param(
        [ev("received", "2026-09-30")],
        "2026-10-02",
        aid(),
        {"due_date": d("2026-10-08"), "elapsed": 2, "remaining": 6, "overdue": 0},
        id="aid-national-day-due-10-08",
    ),
    # Same case on its due date 10/8: counted 10/1..10/8 = 8; not overdue (the 8th day is the
    # moved end, not a day late).
    pytest.param(
        [ev("received", "2026-09-30")],
        "2026-10-08",
        aid(),
        {"due_date": d("2026-10-08"), "elapsed": 8, "remaining": 0, "overdue": 0},
        id="aid-national-day-on-due-date",
    ),
    # ...and on 10/9, one day overdue.
    pytest.param(
        [ev("received", "2026-09-30")],
        "2026-10-09",
        aid(),
        {"elapsed": 9, "remaining": -1, "overdue": 1},
        id="aid-national-day-one-day-late",
    ),
    # The promised 5 days: 5th = 10/5 (rest) -> 10/8 too.
    pytest.param(
        [ev("received", "2026-09-30")],
        "2026-10-02",
        aid(),
        {"promised.due_date": d("2026-10-08"), "promised.remaining": 6},
        id="aid-promised-national-day",
    ),
    # For comparison, seven WORKING days from 9/30: 10/8 (1), 10/9 (2), Sat 10/10 make-up (3),
    # 10/12 (4), 10/13 (5), 10/14 (6), 10/15 (7) -> 10/15, as the issue says.
    pytest.param(
        [ev("received", "2026-09-30")],
        "2026-10-02",
        aid(unit="working_days"),
        {"due_date": d("2026-10-15"), "elapsed": 0, "remaining": 7},
        id="aid-in-working-days-would-be-10-15",
    ),
    # Spring Festival: received Tue 2/10; 7th day = 2/17 (rest 2/15-23) -> first working day
    # after the holiday: Tue 2/24. As of 2/24: counted 2/11..2/24 = 14, remaining 0.
    pytest.param(
        [ev("received", "2026-02-10")],
        "2026-02-24",
        aid(),
        {"due_date": d("2026-02-24"), "elapsed": 14, "remaining": 0, "overdue": 0},
        id="aid-spring-festival",
    ),
    # A period ending on a make-up Saturday is not moved: received Sat 2/21 (a rest day; the
    # start day does not count anyway); 7th day = Sat 2/28, a make-up working day -> 2/28.
    pytest.param(
        [ev("received", "2026-02-21")],
        "2026-02-22",
        aid(),
        {"due_date": d("2026-02-28"), "elapsed": 1, "remaining": 6},
        id="aid-ends-on-make-up-saturday-2-28",
    ),
    # Labour Day: received Tue 4/28, 5 days: 4/29, 4/30, 5/1, 5/2, 5/3; 5/3 is a rest day (5/1-5)
    # -> Wed 5/6. As of 4/30: counted 2, 6 days to 5/6.
    pytest.param(
        [ev("received", "2026-04-28")],
        "2026-04-30",
        aid(limit=5, promised_limit=5),
        {"due_date": d("2026-05-06"), "elapsed": 2, "remaining": 6},
        id="aid-labour-day",
    ),
    # Make-up Saturday after Labour Day: received Mon 5/4, 5 days -> Sat 5/9 (make-up): stays.
    pytest.param(
        [ev("received", "2026-05-04")],
        "2026-05-09",
        aid(limit=5, promised_limit=5),
        {"due_date": d("2026-05-09"), "elapsed": 5, "remaining": 0},
        id="aid-ends-on-make-up-saturday-5-9",
    ),
    # Make-up Saturday after National Day: received Sat 10/3, 7 days -> Sat 10/10 (make-up).
    pytest.param(
        [ev("received", "2026-10-03")],
        "2026-10-05",
        aid(),
        {"due_date": d("2026-10-10"), "elapsed": 2, "remaining": 5},
        id="aid-ends-on-make-up-saturday-10-10",
    ),
    # An ordinary Sunday: received Tue 3/10, 5 days: 3/11..3/15; Sun 3/15 is a rest day ->
    # Mon 3/16.
    pytest.param(
        [ev("received", "2026-03-10")],
        "2026-03-11",
        aid(limit=5, promised_limit=5),
        {"due_date": d("2026-03-16"), "elapsed": 1, "remaining": 5},
        id="aid-ends-on-sunday-moved-to-monday",
    ),
    # An ordinary Saturday: received Mon 3/9, 5 days -> Sat 3/14 -> Sun is a rest day too ->
    # Mon 3/16.
    pytest.param(
        [ev("received", "2026-03-09")],
        "2026-03-09",
        aid(limit=5, promised_limit=5),
        {"due_date": d("2026-03-16"), "elapsed": 0, "remaining": 7},
        id="aid-ends-on-saturday-moved-to-monday",
    ),
    # A stop: received Mon 9/21; expert review stops the clock on 9/23, resumed 9/28: it leaves
    # out (9/23, 9/28] = 9/24..9/28 = 5 days. Counted: 9/22, 9/23, 9/29, 9/30, 10/1, 10/2, 10/3;
    # the 7th (10/3) is a rest day -> 10/8. As of 9/30: counted 9/22, 9/23, 9/29, 9/30 = 4;
    # stopped 5; 8 days to 10/8.
    pytest.param(
        [
            ev("received", "2026-09-21"),
            ev("stop", "2026-09-23", stop_type="expert_review", expected_days=5),
            ev("resume", "2026-09-28"),
        ],
        "2026-09-30",
        aid(),
        {"due_date": d("2026-10-08"), "elapsed": 4, "stopped": 5, "remaining": 8},
        id="aid-stop-then-national-day",
    ),
    # A stop over Mid-Autumn: received Fri 9/18, 4 days; stop 9/19, resumed 9/24: leaves out
    # 9/20..9/24. Counted: 9/19, 9/25, 9/26, 9/27; the 4th (Sun 9/27, Mid-Autumn rest) -> Mon
    # 9/28. As of 9/28: counted 5 (the moved day included), remaining 0.
    pytest.param(
        [
            ev("received", "2026-09-18"),
            ev("stop", "2026-09-19", stop_type="appraisal", expected_days=5),
            ev("resume", "2026-09-24"),
        ],
        "2026-09-28",
        aid(limit=4, promised_limit=4),
        {"due_date": d("2026-09-28"), "elapsed": 5, "stopped": 5, "remaining": 0},
        id="aid-stop-over-mid-autumn",
    ),
    # A stop still open: received Wed 4/1, stop 4/3 still open as of 4/10: counted 4/2, 4/3 = 2;
    # excluded 4/4..4/10 = 7. Projected as resumed on 4/10: 4/11..4/15 give days 3-7 -> Wed
    # 4/15, a working day.
    pytest.param(
        [
            ev("received", "2026-04-01"),
            ev("stop", "2026-04-03", stop_type="testing", expected_days=10),
        ],
        "2026-04-10",
        aid(),
        {"due_date": d("2026-04-15"), "elapsed": 2, "stopped": 7, "phase": "stopped"},
        id="aid-open-stop-projected",
    ),
    # A step not in Art. 45 (inspection) does not stop the clock: received 2026-06-15 (Mon), 7
    # days: 6/16..6/22; 6/19-21 is Dragon Boat rest, 6/22 Mon is a working day -> 6/22.
    pytest.param(
        [
            ev("received", "2026-06-15"),
            ev("stop", "2026-06-16", stop_type="inspection", expected_days=2),
            ev("resume", "2026-06-18"),
        ],
        "2026-06-18",
        aid(clock_stop_types=frozenset({"expert_review"})),
        {"due_date": d("2026-06-22"), "elapsed": 3, "stopped": 0},
        id="aid-non-stopping-procedure",
    ),
    # Natural days from acceptance with a natural acceptance window: received Thu 4/30, window
    # 5 days: 5/1..5/5, 5/5 is a rest day -> Wed 5/6.
    pytest.param(
        [ev("received", "2026-04-30")],
        "2026-05-02",
        aid(limit_from="acceptance", acceptance_window=5),
        {"acceptance_due_date": d("2026-05-06"), "phase": "acceptance"},
        id="natural-acceptance-window-labour-day",
    ),
    # An extension in natural days: accepted Mon 9/14, limit 10 (day 10 = Thu 9/24); 3 days
    # approved on 9/20 -> 13 days: day 13 = Sun 9/27 (Mid-Autumn rest) -> Mon 9/28.
    pytest.param(
        [
            ev("received", "2026-09-10"),
            ev("accepted", "2026-09-14"),
            ev("extension_approved", "2026-09-20", days=3),
        ],
        "2026-09-21",
        aid(
            limit=10,
            promised_limit=10,
            limit_from="acceptance",
            acceptance_window=5,
            max_extension_days=10,
            max_extensions=1,
        ),
        {"due_date": d("2026-09-28"), "extension": 3, "elapsed": 7, "remaining": 7},
        id="natural-extension-mid-autumn",
    ),
    # Concluded on 10/8 (the moved due date): frozen, in time.
    pytest.param(
        [ev("received", "2026-09-30"), ev("concluded", "2026-10-08 16:00")],
        "2026-10-20",
        aid(),
        {"phase": "ended", "elapsed": 8, "overdue": 0, "unit": "natural_days"},
        id="aid-concluded-on-moved-due-date",
    ),
]
