"""Rows of the hand-checked legal-clock table (run by test_clock_table.py):
part 3: cut-off time, time zones, step clocks, the promised
limit and a year (2027) nobody has entered yet. Parts 1 and 2 are table_calendar.py
and table_acceptance.py.

Every expected figure was counted by hand; the comment above each row lists the counted days
(the 2025 and 2026 rest and make-up days are listed in table_support.py).
"""

from __future__ import annotations

from datetime import time

import pytest

from tests.clock.table_support import SPRING_2025, d, ev

CASES = [
    # Cut-off 17:00 on due date 2/21, still open at 17:30: overdue 1 although 2/21 counts.
    pytest.param(
        SPRING_2025,
        "2025-02-21 17:30",
        {"cutoff": time(17, 0)},
        {"elapsed": 20, "remaining": -1, "overdue": 1},
        id="cutoff-passed-on-due-date",
    ),
    # Cut-off 17:00, as of 16:59 on the due date: not overdue.
    pytest.param(
        SPRING_2025,
        "2025-02-21 16:59",
        {"cutoff": time(17, 0)},
        {"elapsed": 20, "remaining": 0, "overdue": 0},
        id="cutoff-not-yet",
    ),
    # Cut-off 17:00, concluded 2/21 18:00: one day late, frozen.
    pytest.param(
        [*SPRING_2025, ev("concluded", "2025-02-21 18:00")],
        "2025-03-03",
        {"cutoff": time(17, 0)},
        {"elapsed": 20, "remaining": -1, "overdue": 1, "phase": "ended"},
        id="cutoff-concluded-after",
    ),
    # Cut-off 17:00, concluded 2/21 16:00: on time.
    pytest.param(
        [*SPRING_2025, ev("concluded", "2025-02-21 16:00")],
        "2025-03-03",
        {"cutoff": time(17, 0)},
        {"remaining": 0, "overdue": 0},
        id="cutoff-concluded-before",
    ),
    # Cut-off passed on Fri 2/21, seen Sat 2/22: still overdue 1 (no working day has passed).
    pytest.param(
        SPRING_2025,
        "2025-02-22",
        {"cutoff": time(17, 0)},
        {"elapsed": 20, "remaining": -1, "overdue": 1},
        id="cutoff-weekend-after-due",
    ),
    # Without a cut-off, Sat 2/22 adds no working day: remaining 0, overdue 0 (formula).
    pytest.param(
        SPRING_2025,
        "2025-02-22",
        {},
        {"elapsed": 20, "remaining": 0, "overdue": 0},
        id="no-cutoff-weekend-after-due",
    ),
    # Accepted 2025-03-02T16:30Z = Mon 3/3 00:30 Beijing: as plain-20-days (due 3/31, not 3/28);
    # as of 3/13T16:30Z = 3/14 00:30 Beijing: 3/4-7, 3/10-14 = 9.
    pytest.param(
        [ev("accepted", "2025-03-02T16:30Z")],
        "2025-03-13T16:30Z",
        {},
        {"started_on": d("2025-03-03"), "elapsed": 9, "due_date": d("2025-03-31")},
        id="utc-next-beijing-date",
    ),
    # As of 3/13T15:59Z = 3/13 23:59 Beijing: 3/4-7, 3/10-13 = 8.
    pytest.param(
        [ev("accepted", "2025-03-02T16:30Z")],
        "2025-03-13T15:59Z",
        {},
        {"elapsed": 8},
        id="utc-same-beijing-date",
    ),
    # Stop at 3/6T17:00Z (= 3/7 01:00 Beijing), resume 3/9T16:30Z (= Mon 3/10 00:30): 3/7 counts,
    # 3/10 excluded (1); counted 3/4-7, 3/11-14 = 8; due 3/31 + 1 = 4/1.
    pytest.param(
        [
            ev("accepted", "2025-03-03"),
            ev("stop", "2025-03-06T17:00Z", stop_type="inspection"),
            ev("resume", "2025-03-09T16:30Z"),
        ],
        "2025-03-14",
        {},
        {"elapsed": 8, "stopped": 1, "due_date": d("2025-04-01")},
        id="utc-stop-and-resume",
    ),
    # Step 'handle' entered 3/4, limit 5: 3/5-7, 3/10-13 = 7, over by 2; case still on time.
    pytest.param(
        [ev("accepted", "2025-03-03"), ev("step", "2025-03-04", step="handle")],
        "2025-03-13",
        {"step_limits": {"handle": 5}},
        {"step.elapsed": 7, "step.over": 2, "step.limit": 5, "overdue": 0},
        id="step-over-limit",
    ),
    # Step 'review' from 3/4, inspection 3/6-3/11 excludes 3/7, 3/10, 3/11: step counts 3/5, 3/6,
    # 3/12, 3/13 (4) over 3 by 1; main clock 3/4-6, 3/12-13 = 5.
    pytest.param(
        [
            ev("accepted", "2025-03-03"),
            ev("step", "2025-03-04", step="review"),
            ev("stop", "2025-03-06", stop_type="inspection"),
            ev("resume", "2025-03-11"),
        ],
        "2025-03-13",
        {"step_limits": {"review": 3}},
        {"step.elapsed": 4, "step.over": 1, "elapsed": 5, "stopped": 3},
        id="step-excludes-stops",
    ),
    # Promised 10 due 3/17 (3/4-7, 3/10-14, 3/17); as of Wed 3/19: 3/18, 3/19 make 12 counted,
    # statutory 8 left, promised 2 over.
    pytest.param(
        [ev("accepted", "2025-03-03")],
        "2025-03-19",
        {},
        {
            "elapsed": 12,
            "remaining": 8,
            "promised.due_date": d("2025-03-17"),
            "promised.remaining": -2,
            "promised.overdue": 2,
        },
        id="promised-vs-statutory",
    ),
    # Accepted Tue 2026-12-15, limit 20: 12/16-18 (3), 12/21-25 (8), 12/28-31 (12); 2027 falls
    # back to the 办法: 1/1 Fri 元旦 rest, 1/4-8 (17), 1/11-13 (20).
    pytest.param(
        [ev("accepted", "2026-12-15")],
        "2026-12-20",
        {},
        {
            "elapsed": 3,
            "due_date": d("2027-01-13"),
            "provisional": True,
            "provisional_years": (2027,),
        },
        id="runs-into-2027-provisional",
    ),
    # Same with limit 40: ... 1/18-22 (27), 1/25-29 (32), 2/1-4 (36); fallback rest 2/5 除夕,
    # 2/6-8 初一-初三 (Sat-Mon), 补假 2/9, 2/10; 2/11 (37), 2/12 (38), 2/15 (39), 2/16 (40).
    pytest.param(
        [ev("accepted", "2026-12-15")],
        "2026-12-20",
        {"limit": 40},
        {"due_date": d("2027-02-16"), "provisional": True, "provisional_years": (2027,)},
        id="runs-into-2027-spring-provisional",
    ),
    # A case within 2026 is not provisional.
    pytest.param(
        [ev("accepted", "2026-03-02")],
        "2026-03-10",
        {},
        {"provisional": False, "provisional_years": ()},
        id="within-2026-not-provisional",
    ),
]
