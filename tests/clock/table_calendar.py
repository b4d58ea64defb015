"""Rows of the hand-checked legal-clock table (run by test_clock_table.py):
part 1: holidays, make-up days, stops and extensions.

Part 2 (acceptance window, as-of, end of a case) is table_acceptance.py and part 3
(cut-off, time zones, steps, promised limit, 2027) is table_deadline.py: one case
list, split to keep files short.

Every expected figure was counted by hand; the comment above each row lists the counted days
(the 2025 and 2026 rest and make-up days are listed in table_support.py).
"""

from __future__ import annotations

import pytest

from tests.clock.table_support import SPRING_2025, d, ev

CASES = [
    # Counted: 3/4-7 (4), 3/10-14 (9) | due: 3/17-21 (14), 3/24-28 (19), 3/31 (20).
    pytest.param(
        [ev("accepted", "2025-03-03")],
        "2025-03-14",
        {},
        {"elapsed": 9, "remaining": 11, "overdue": 0, "due_date": d("2025-03-31")},
        id="plain-20-days",
    ),
    # 1/21-24 (4), 1/26 Sun make-up (5), 1/27 (6), rest 1/28-2/4, 2/5-7 (9), 2/8 Sat (10),
    # 2/10-14 (15), 2/17-21 (20) -> due Fri 2/21; as of 2/21 all 20 counted.
    pytest.param(
        SPRING_2025,
        "2025-02-21",
        {},
        {"elapsed": 20, "remaining": 0, "overdue": 0, "due_date": d("2025-02-21")},
        id="spring-2025-on-due-date",
    ),
    # As above; Mon 2/24 is the 21st counted day.
    pytest.param(
        SPRING_2025,
        "2025-02-24",
        {},
        {"elapsed": 21, "remaining": -1, "overdue": 1, "phase": "review"},
        id="spring-2025-one-day-late",
    ),
    # Accepted Mon 2026-02-09, limit 10: 2/10-13 (4), 2/14 Sat make-up (5), rest 2/15-23,
    # 2/24-27 (9), 2/28 Sat make-up (10).
    pytest.param(
        [ev("accepted", "2026-02-09")],
        "2026-02-28",
        {"limit": 10},
        {"elapsed": 10, "remaining": 0, "due_date": d("2026-02-28")},
        id="spring-2026-make-up-0214-0228",
    ),
    # Accepted Thu 2025-09-25, limit 10: 9/26 (1), 9/28 Sun (2), 9/29-30 (4), rest 10/1-8,
    # 10/9-10 (6) | 10/11 Sat (7), 10/13-15 (10).
    pytest.param(
        [ev("accepted", "2025-09-25")],
        "2025-10-10",
        {"limit": 10},
        {"elapsed": 6, "remaining": 4, "due_date": d("2025-10-15")},
        id="national-day-2025",
    ),
    # Accepted Thu 2026-09-17, limit 10: 9/18 (1), 9/20 Sun (2), 9/21-24 (6), rest 9/25-27,
    # 9/28-30 (9), rest 10/1-7, 10/8 (10) -> due 10/8; 10/9 is the 11th.
    pytest.param(
        [ev("accepted", "2026-09-17")],
        "2026-10-09",
        {"limit": 10},
        {"elapsed": 11, "remaining": -1, "overdue": 1, "due_date": d("2026-10-08")},
        id="national-day-2026",
    ),
    # Accepted Wed 2025-12-31, limit 5: rest 1/1-3, 1/4 Sun make-up (1) | 1/5-8 (5).
    pytest.param(
        [ev("accepted", "2025-12-31")],
        "2026-01-04",
        {"limit": 5},
        {"elapsed": 1, "remaining": 4, "due_date": d("2026-01-08")},
        id="make-up-2026-01-04",
    ),
    # Accepted Thu 2026-04-30, limit 5: rest 5/1-5, 5/6-8 (3), 5/9 Sat make-up (4) | 5/11 (5).
    pytest.param(
        [ev("accepted", "2026-04-30")],
        "2026-05-09",
        {"limit": 5},
        {"elapsed": 4, "remaining": 1, "due_date": d("2026-05-11")},
        id="make-up-2026-05-09",
    ),
    # Accepted Fri 2026-09-18, limit 3: 9/20 Sun make-up (1) | 9/21 (2), 9/22 (3).
    pytest.param(
        [ev("accepted", "2026-09-18")],
        "2026-09-20",
        {"limit": 3},
        {"elapsed": 1, "remaining": 2, "due_date": d("2026-09-22")},
        id="make-up-2026-09-20",
    ),
    # Accepted Wed 2026-09-30, limit 3: rest 10/1-7, 10/8 (1), 10/9 (2), 10/10 Sat (3);
    # Mon 10/12 is the 4th.
    pytest.param(
        [ev("accepted", "2026-09-30")],
        "2026-10-12",
        {"limit": 3},
        {"elapsed": 4, "overdue": 1, "due_date": d("2026-10-10")},
        id="make-up-2026-10-10",
    ),
    # Accepted Fri 2025-03-07, limit 5: Sat 3/8 counts nothing | 3/10-14 (5).
    pytest.param(
        [ev("accepted", "2025-03-07")],
        "2025-03-08",
        {"limit": 5},
        {"elapsed": 0, "remaining": 5, "due_date": d("2025-03-14"), "started_on": d("2025-03-07")},
        id="accepted-on-friday",
    ),
    # Accepted on holiday Fri 2025-10-03: 10/9 (1), 10/10 (2), 10/11 Sat (3), 10/13 (4) | 10/14.
    pytest.param(
        [ev("accepted", "2025-10-03")],
        "2025-10-13",
        {"limit": 5},
        {"elapsed": 4, "remaining": 1, "due_date": d("2025-10-14")},
        id="accepted-on-holiday",
    ),
    # Accepted on make-up Sat 2025-02-08 (not counted): 2/10 (1) | 2/11-14 (5).
    pytest.param(
        [ev("accepted", "2025-02-08")],
        "2025-02-10",
        {"limit": 5},
        {"elapsed": 1, "remaining": 4, "due_date": d("2025-02-14")},
        id="accepted-on-make-up-saturday",
    ),
    # Accepted Mon 2025-09-22, limit 10: 9/23-26 (4), 9/28 Sun (5), 9/29-30 (7); inspection from
    # holiday 10/3 to Mon 10/13 excludes 10/9, 10/10, 10/11 Sat, 10/13 (4); 10/14 (8) | 10/15-16.
    pytest.param(
        [
            ev("accepted", "2025-09-22"),
            ev("stop", "2025-10-03", stop_type="inspection"),
            ev("resume", "2025-10-13"),
        ],
        "2025-10-14",
        {"limit": 10},
        {"elapsed": 8, "stopped": 4, "remaining": 2, "due_date": d("2025-10-16")},
        id="stop-starts-on-holiday",
    ),
    # Accepted Mon 2026-01-19, limit 20: 1/20-23 (4), 1/26-30 (9), 2/2-6 (14), 2/9-11 (17);
    # expert review Wed 2/11 to holiday Tue 2/17 excludes 2/12, 2/13, 2/14 Sat (3);
    # rest to 2/23, 2/24-25 (19) | 2/26 (20).
    pytest.param(
        [
            ev("accepted", "2026-01-19"),
            ev("stop", "2026-02-11", stop_type="expert_review"),
            ev("resume", "2026-02-17"),
        ],
        "2026-02-25",
        {},
        {"elapsed": 19, "stopped": 3, "remaining": 1, "due_date": d("2026-02-26")},
        id="stop-ends-on-holiday",
    ),
    # Same-day stop and resume on 3/10 excludes nothing: as plain-20-days.
    pytest.param(
        [
            ev("accepted", "2025-03-03"),
            ev("stop", "2025-03-10 09:00", stop_type="inspection"),
            ev("resume", "2025-03-10 16:00"),
        ],
        "2025-03-14",
        {},
        {"elapsed": 9, "stopped": 0, "due_date": d("2025-03-31"), "phase": "review"},
        id="same-day-stop-resume",
    ),
    # 'consultation' is not a clock-stop type: 3/5-3/12 still counts: 3/4-7, 3/10-14 = 9.
    pytest.param(
        [
            ev("accepted", "2025-03-03"),
            ev("stop", "2025-03-05", stop_type="consultation"),
            ev("resume", "2025-03-12"),
        ],
        "2025-03-14",
        {},
        {"elapsed": 9, "stopped": 0, "due_date": d("2025-03-31"), "running": True},
        id="stop-type-not-in-list",
    ),
    # Testing from Fri 3/7, open at 3/14: counted 3/4-7 (4), excluded 3/10-14 (5); projected as
    # resumed on 3/14, 16 more: 3/17-21 (5), 3/24-28 (10), 3/31-4/3 (14), rest 4/4-6, 4/7 (15),
    # 4/8 (16).
    pytest.param(
        [ev("accepted", "2025-03-03"), ev("stop", "2025-03-07", stop_type="testing")],
        "2025-03-14",
        {},
        {
            "elapsed": 4,
            "stopped": 5,
            "remaining": 16,
            "phase": "stopped",
            "running": False,
            "stop_type": "testing",
            "due_date": d("2025-04-08"),
        },
        id="stop-open-at-as-of",
    ),
    # Hearing from holiday Sat 2026-10-03, open at Fri 10/9: counted 9/29, 9/30 (2); excluded
    # 10/8, 10/9 (2); as if resumed 10/9, 8 more: 10/10 Sat (1), 10/12-16 (6), 10/19-20 (8).
    pytest.param(
        [ev("accepted", "2026-09-28"), ev("stop", "2026-10-03", stop_type="hearing")],
        "2026-10-09",
        {"limit": 10},
        {"elapsed": 2, "stopped": 2, "phase": "stopped", "due_date": d("2026-10-20")},
        id="open-stop-from-holiday",
    ),
    # Accepted Tue 2025-05-06; supplement 5/9 to 5/20 after acceptance is a stop: counted 5/7-9
    # (3), excluded 5/12-16, 5/19-20 (7); 5/21-23 (6), 5/26-30 (11), rest 5/31-6/2, 6/3-6 (15),
    # 6/9-13 (20).
    pytest.param(
        [
            ev("accepted", "2025-05-06"),
            ev("supplement_requested", "2025-05-09"),
            ev("supplement_received", "2025-05-20"),
        ],
        "2025-06-13 17:00",
        {},
        {"elapsed": 20, "stopped": 7, "remaining": 0, "due_date": d("2025-06-13")},
        id="supplement-in-review-stops",
    ),
    # Same supplement but the policy does not list 'supplement': 3/4-7, 3/10-14 = 9 counted.
    pytest.param(
        [
            ev("accepted", "2025-03-03"),
            ev("supplement_requested", "2025-03-05"),
            ev("supplement_received", "2025-03-12"),
        ],
        "2025-03-14",
        {"clock_stop_types": frozenset({"inspection"})},
        {"elapsed": 9, "stopped": 0},
        id="supplement-not-a-stop-type",
    ),
    # Accepted Mon 2025-01-06, expert review Fri 1/24 to Mon 2/10: counted 1/7-10 (4),
    # 1/13-17 (9), 1/20-24 (14); excluded 1/26 Sun, 1/27, 2/5-7, 2/8 Sat, 2/10 (7);
    # 2/11-14 (18) | 2/17 (19), 2/18 (20).
    pytest.param(
        [
            ev("accepted", "2025-01-06"),
            ev("stop", "2025-01-24", stop_type="expert_review"),
            ev("resume", "2025-02-10"),
        ],
        "2025-02-14",
        {},
        {"elapsed": 18, "stopped": 7, "remaining": 2, "due_date": d("2025-02-18")},
        id="stop-across-spring-2025",
    ),
    # Limit 20 due 3/31; extension 5 approved 3/25: 4/1-3 (23), rest 4/4-6, 4/7 (24) | 4/8 (25).
    pytest.param(
        [ev("accepted", "2025-03-03"), ev("extension_approved", "2025-03-25", days=5)],
        "2025-04-07",
        {},
        {"extension": 5, "elapsed": 24, "remaining": 1, "due_date": d("2025-04-08")},
        id="extension-within-max",
    ),
    # Extension of 15 capped at 10: total 30: 4/7 (24), 4/8-11 (28), 4/14 (29), 4/15 (30).
    pytest.param(
        [ev("accepted", "2025-03-03"), ev("extension_approved", "2025-03-25", days=15)],
        "2025-04-07",
        {},
        {"extension": 10, "elapsed": 24, "remaining": 6, "due_date": d("2025-04-15")},
        id="extension-capped",
    ),
    # A second extension is ignored: total stays 25, due 4/8.
    pytest.param(
        [
            ev("accepted", "2025-03-03"),
            ev("extension_approved", "2025-03-25", days=5),
            ev("extension_approved", "2025-03-28", days=5),
        ],
        "2025-04-07",
        {},
        {"extension": 5, "remaining": 1, "due_date": d("2025-04-08")},
        id="second-extension-ignored",
    ),
    # Due 3/31 (24:00); approval on 4/1 09:00 is too late: 4/1, 4/2 make elapsed 22.
    pytest.param(
        [ev("accepted", "2025-03-03"), ev("extension_approved", "2025-04-01 09:00", days=5)],
        "2025-04-02",
        {},
        {"extension": 0, "elapsed": 22, "remaining": -2, "overdue": 2},
        id="extension-after-deadline-ignored",
    ),
    # Approved 3/31 23:00, still before the overdue moment (4/1 00:00): due 4/8.
    pytest.param(
        [ev("accepted", "2025-03-03"), ev("extension_approved", "2025-03-31 23:00", days=5)],
        "2025-04-02",
        {},
        {"extension": 5, "elapsed": 22, "remaining": 3, "due_date": d("2025-04-08")},
        id="extension-on-due-date-effective",
    ),
    # Accepted Thu 2026-04-02: 4/3 (1), rest 4/4-6, 4/7-10 (5), 4/13-17 (10), 4/20-24 (15),
    # 4/27-30 (19), rest 5/1-5 | 5/6 (20).
    pytest.param(
        [ev("accepted", "2026-04-02")],
        "2026-05-05",
        {},
        {"elapsed": 19, "remaining": 1, "due_date": d("2026-05-06")},
        id="qingming-and-may-day-2026",
    ),
    # Accepted Fri 2025-04-25, limit 5: 4/27 Sun make-up (1), 4/28-30 (4), rest 5/1-5 | 5/6 (5).
    pytest.param(
        [ev("accepted", "2025-04-25")],
        "2025-04-30",
        {"limit": 5},
        {"elapsed": 4, "due_date": d("2025-05-06")},
        id="may-day-2025-make-up",
    ),
    # Accepted Wed 2025-05-28, limit 3: 5/29 (1), 5/30 (2), rest 5/31-6/2 | 6/3 (3).
    pytest.param(
        [ev("accepted", "2025-05-28")],
        "2025-06-02",
        {"limit": 3},
        {"elapsed": 2, "remaining": 1, "due_date": d("2025-06-03")},
        id="dragon-boat-2025",
    ),
    # Accepted Mon 2026-06-15, limit 5: 6/16-18 (3), rest 6/19-21 | 6/22 (4), 6/23 (5).
    pytest.param(
        [ev("accepted", "2026-06-15")],
        "2026-06-19",
        {"limit": 5},
        {"elapsed": 3, "due_date": d("2026-06-23")},
        id="dragon-boat-2026",
    ),
]
