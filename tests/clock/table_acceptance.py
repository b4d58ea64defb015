"""Rows of the hand-checked legal-clock table (run by test_clock_table.py):
part 2: the acceptance window (Art. 32), as-of moments and
the end of a case. Part 1 (holidays, stops, extensions) is table_calendar.py, part 3
(cut-off, time zones, steps, promised limit, 2027) is table_deadline.py.

Every expected figure was counted by hand; the comment above each row lists the counted days
(the 2025 and 2026 rest and make-up days are listed in table_support.py).
"""

from __future__ import annotations

import pytest

from tests.clock.table_support import SPRING_2025, d, ev

CASES = [
    # Received Mon 2025-03-03, window 3/4-7, 3/10 -> due 3/10; nothing by 3/11: deemed from 3/3,
    # counted 3/4-7, 3/10, 3/11 (6); due 3/31 as plain.
    pytest.param(
        [ev("received", "2025-03-03")],
        "2025-03-11",
        {},
        {
            "deemed_accepted": True,
            "started_on": d("2025-03-03"),
            "acceptance_due_date": d("2025-03-10"),
            "elapsed": 6,
            "remaining": 14,
            "due_date": d("2025-03-31"),
        },
        id="deemed-window-lapsed",
    ),
    # Same, as of the last evening of the window: not deemed yet.
    pytest.param(
        [ev("received", "2025-03-03")],
        "2025-03-10 23:00",
        {},
        {
            "phase": "acceptance",
            "deemed_accepted": False,
            "elapsed": 0,
            "remaining": 20,
            "due_date": None,
            "acceptance_due_date": d("2025-03-10"),
        },
        id="deemed-window-not-lapsed",
    ),
    # Accepted 3/12 after the window (due 3/10): the clock stays from receipt 3/3: 3/4-7,
    # 3/10-14 = 9.
    pytest.param(
        [ev("received", "2025-03-03"), ev("accepted", "2025-03-12")],
        "2025-03-14",
        {},
        {"deemed_accepted": True, "started_on": d("2025-03-03"), "elapsed": 9},
        id="late-accept-after-deemed",
    ),
    # Received Mon 2025-09-29: window 9/30 (1), 10/9 (2), 10/10 (3), 10/11 Sat (4), 10/13 (5).
    # At 10/14 00:00 deemed from 9/29: 9/30, 10/9, 10/10, 10/11, 10/13, 10/14 = 6.
    pytest.param(
        [ev("received", "2025-09-29")],
        "2025-10-14 00:00",
        {},
        {"deemed_accepted": True, "acceptance_due_date": d("2025-10-13"), "elapsed": 6},
        id="deemed-window-across-national-day",
    ),
    # Received Thu 2026-02-12: window 2/13 (1), 2/14 Sat (2), 2/24-26 (5); accepted 2/26 in time.
    # Limit 5: 2/27 (1), 2/28 Sat (2), 3/2 (3) | 3/3, 3/4.
    pytest.param(
        [ev("received", "2026-02-12"), ev("accepted", "2026-02-26")],
        "2026-03-02",
        {"limit": 5},
        {
            "deemed_accepted": False,
            "acceptance_due_date": d("2026-02-26"),
            "elapsed": 3,
            "due_date": d("2026-03-04"),
        },
        id="window-across-spring-2026",
    ),
    # Received 3/3, notice 3/6 (in window), materials 3/17: new window 3/18-21, 3/24; accepted 3/20.
    # Counted 3/21, 3/24-28 (6) | due: 3/31 (7), 4/1-3 (10), 4/7-11 (15), 4/14-18 (20).
    pytest.param(
        [
            ev("received", "2025-03-03"),
            ev("supplement_requested", "2025-03-06"),
            ev("supplement_received", "2025-03-17"),
            ev("accepted", "2025-03-20"),
        ],
        "2025-03-28",
        {},
        {
            "acceptance_due_date": d("2025-03-24"),
            "started_on": d("2025-03-20"),
            "elapsed": 6,
            "due_date": d("2025-04-18"),
            "stopped": 0,
        },
        id="supplement-before-acceptance-new-window",
    ),
    # As above without acceptance: the new window (due 3/24) lapses; deemed from 3/17:
    # 3/18-21, 3/24, 3/25 (6) | 3/26-28 (9), 3/31 (10), 4/1-3 (13), 4/7-11 (18), 4/14-15 (20).
    pytest.param(
        [
            ev("received", "2025-03-03"),
            ev("supplement_requested", "2025-03-06"),
            ev("supplement_received", "2025-03-17"),
        ],
        "2025-03-25",
        {},
        {
            "deemed_accepted": True,
            "started_on": d("2025-03-17"),
            "elapsed": 6,
            "due_date": d("2025-04-15"),
        },
        id="new-window-lapses-deemed-from-supplement",
    ),
    # Notice on 3/12 is after the window (due 3/10): deemed from 3/3, so it is a review stop:
    # counted 3/4-7, 3/10-12 (7); excluded 3/13, 3/14, 3/17-19 (5); 3/20-21 (9) | 3/24-28 (14),
    # 3/31 (15), 4/1-3 (18), 4/7 (19), 4/8 (20).
    pytest.param(
        [
            ev("received", "2025-03-03"),
            ev("supplement_requested", "2025-03-12"),
            ev("supplement_received", "2025-03-19"),
        ],
        "2025-03-21",
        {},
        {"deemed_accepted": True, "elapsed": 9, "stopped": 5, "due_date": d("2025-04-08")},
        id="late-supplement-notice-is-a-stop",
    ),
    # Two notices before acceptance (anomaly, treated alike): second window after 3/19 materials:
    # 3/20, 3/21, 3/24-26; accepted 3/24; counted 3/25-28 = 4.
    pytest.param(
        [
            ev("received", "2025-03-03"),
            ev("supplement_requested", "2025-03-04"),
            ev("supplement_received", "2025-03-10"),
            ev("supplement_requested", "2025-03-12"),
            ev("supplement_received", "2025-03-19"),
            ev("accepted", "2025-03-24"),
        ],
        "2025-03-28",
        {},
        {"acceptance_due_date": d("2025-03-26"), "started_on": d("2025-03-24"), "elapsed": 4},
        id="second-supplement-notice-before-acceptance",
    ),
    # Spring 2025 case seen from 2/7 (conclusion on 2/10 ignored): 1/21-24, 1/26, 1/27, 2/5-7 = 9.
    pytest.param(
        [*SPRING_2025, ev("concluded", "2025-02-10")],
        "2025-02-07",
        {},
        {"elapsed": 9, "phase": "review", "running": True, "due_date": d("2025-02-21")},
        id="as-of-in-the-past",
    ),
    # Received 3/3, accepted 3/5, seen as of 3/4: still in the acceptance phase.
    pytest.param(
        [ev("received", "2025-03-03"), ev("accepted", "2025-03-05")],
        "2025-03-04",
        {},
        {"phase": "acceptance", "started_on": None, "elapsed": 0, "remaining": 20},
        id="as-of-before-acceptance",
    ),
    # Concluded on the due date 2/21 16:00: 20 counted, on time, frozen.
    pytest.param(
        [*SPRING_2025, ev("concluded", "2025-02-21 16:00")],
        "2025-03-10",
        {},
        {"elapsed": 20, "remaining": 0, "overdue": 0, "phase": "ended", "running": False},
        id="concluded-on-due-date",
    ),
    # Concluded Tue 2/25: 2/24 (21), 2/25 (22): two days late, frozen at as-of 4/1.
    pytest.param(
        [*SPRING_2025, ev("concluded", "2025-02-25")],
        "2025-04-01",
        {},
        {"elapsed": 22, "remaining": -2, "overdue": 2, "phase": "ended"},
        id="concluded-late-frozen",
    ),
    # Concluded early on 3/12: 3/4-7, 3/10-12 = 7; promised 10 (due 3/17) leaves 3.
    pytest.param(
        [ev("accepted", "2025-03-03"), ev("concluded", "2025-03-12")],
        "2025-06-01",
        {},
        {"elapsed": 7, "remaining": 13, "promised.remaining": 3, "phase": "ended"},
        id="concluded-early",
    ),
    # Withdrawn during an inspection: counted 3/4-7 (4), excluded 3/10-12 (3); frozen.
    pytest.param(
        [
            ev("accepted", "2025-03-03"),
            ev("stop", "2025-03-07", stop_type="inspection"),
            ev("withdrawn", "2025-03-12"),
        ],
        "2025-03-20",
        {},
        {"elapsed": 4, "stopped": 3, "phase": "ended", "stop_type": None},
        id="withdrawn-during-stop",
    ),
    # Rejected within the window: ended without a review clock.
    pytest.param(
        [ev("received", "2025-03-03"), ev("rejected", "2025-03-05")],
        "2025-03-20",
        {},
        {"phase": "ended", "started_on": None, "elapsed": 0, "due_date": None},
        id="rejected-in-window",
    ),
]
