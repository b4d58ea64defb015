"""Who may do what: every route of the API × every role × own / other department, as data.

One row per route (method and path template, as FastAPI names it). A row names its target (what
"own" and "other" mean for that route) and the outcome for each role, in the order of `ROLES`:
first for a target of the caller's own department (the applicant: their own case), then for a
target of another department (the applicant: somebody else's case). Roles without a department
(supervisor, policy, admin) get two departments' targets: both columns must then agree.

    ok    allowed: the request passes authorisation (2xx, or 409 when the target's state forbids
          the step; the workflow and complaint tables are tested over every pair elsewhere);
          on a list, the target is listed
    403   refused for the role (problem+json, nothing written)
    404   hidden: the target is not shown (404 for one thing, left out of a list), so another
          department's cases, alerts and complaints cannot even be probed

Every route that is not public answers 401 without a valid bearer token. Public routes (the
catalogue, the applicant's query with tracking number + query code, the public statistics,
receipt and bulletin verification, metrics, health and the API docs) answer anyone.

Rules that depend on data rather than role are tested beside their code: who may take which
workflow action (`approval_core/cases/workflow.py`), and that whoever answered a card never
removes it (`tests/supervisor/test_alert_roles.py`).

A new route needs its row here, and its request in `tests/security/test_authorization_matrix.py`;
that test fails for any route of the app without a row.
"""

# ruff: noqa: E501  (a table reads best one route a line)

from __future__ import annotations

from dataclasses import dataclass

from approval_core.users.service import ROLES

# Targets: what "own" and "other" mean for a route.
NONE = "none"  # nothing of a department: one column
ITEM = "item"  # an item of the caller's department / of another (the applicant: any / any)
CASE = "case"  # a case of the caller's department (the applicant: theirs) / of another (somebody else's)
ALERT = "alert"  # an alert of the caller's department / of another
COMPLAINT = "complaint"  # a complaint about the caller's department / about another
STAFF = "staff"  # a colleague of the caller's department / staff of another
PERSON = "person"  # the caller / somebody else (contact points, inbox)
PUBLIC = "public"  # anyone, with or without a token

OUTCOMES = ("ok", "403", "404")


@dataclass(frozen=True)
class Access:
    """The expected outcome of one route for every role, for own and other targets."""

    method: str
    path: str
    target: str
    own: dict[str, str]  # role -> outcome (empty for a public route)
    other: dict[str, str]  # role -> outcome (empty when the target is NONE or PUBLIC)

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


# fmt: off
_TABLE: tuple[tuple[str, str, str, str], ...] = (
    # method and path                                              target      own department (applicant: own case) another department (another's case)
    #                                                                          app clk hdl rev hed sup pol adm     app clk hdl rev hed sup pol adm
    # the catalogue, the applicant's public query (tracking number + query code), receipts
    ("GET /api/v1/items",                                          PUBLIC,    "",                                 ""),
    ("GET /api/v1/items/{code}",                                   PUBLIC,    "",                                 ""),
    ("GET /api/v1/public/cases/{tracking_no}",                     PUBLIC,    "",                                 ""),
    ("GET /api/v1/public/cases/{tracking_no}/receipts",            PUBLIC,    "",                                 ""),
    ("GET /api/v1/public/cases/{tracking_no}/receipts/{kind}",     PUBLIC,    "",                                 ""),
    ("POST /api/v1/public/cases/{tracking_no}/rating",             PUBLIC,    "",                                 ""),
    ("GET /api/v1/public/decisions",                               PUBLIC,    "",                                 ""),
    ("GET /api/v1/public/register/{item}",                         PUBLIC,    "",                                 ""),
    ("GET /api/v1/public/statistics",                              PUBLIC,    "",                                 ""),
    ("POST /api/v1/public/cases/{tracking_no}/notifications",      PUBLIC,    "",                                 ""),
    ("GET /api/v1/receipts/verify/{code}",                         PUBLIC,    "",                                 ""),
    ("GET /verify/{code}",                                         PUBLIC,    "",                                 ""),
    ("GET /api/v1/bulletins/verify/{code}",                        PUBLIC,    "",                                 ""),
    # cases: applicants and clerks (own department's items) file; staff work their department's
    ("POST /api/v1/cases",                                         ITEM,      "ok  ok  403 403 403 403 403 ok ",  "ok  403 403 403 403 403 403 ok "),
    ("GET /api/v1/cases",                                          CASE,      "ok  ok  ok  ok  ok  ok  ok  ok ",  "404 404 404 404 404 ok  ok  ok "),
    ("GET /api/v1/cases/{case_id}",                                CASE,      "ok  ok  ok  ok  ok  ok  ok  ok ",  "404 404 404 404 404 ok  ok  ok "),
    ("POST /api/v1/cases/{case_id}/actions",                       CASE,      "ok  ok  ok  ok  ok  403 403 ok ",  "404 404 404 404 404 403 403 ok "),
    ("GET /api/v1/cases/{case_id}/records",                        CASE,      "ok  ok  ok  ok  ok  ok  ok  ok ",  "404 404 404 404 404 ok  ok  ok "),
    # materials as files: filed with the case, uploaded to answer a supplement notice (the
    # workflow's supplement_received), listed and downloaded as the case is read
    ("POST /api/v1/cases/with-materials",                          ITEM,      "ok  ok  403 403 403 403 403 ok ",  "ok  403 403 403 403 403 403 ok "),
    ("POST /api/v1/cases/{case_id}/materials",                     CASE,      "ok  ok  ok  ok  ok  403 403 ok ",  "404 404 404 404 404 403 403 ok "),
    ("GET /api/v1/cases/{case_id}/materials",                      CASE,      "ok  ok  ok  ok  ok  ok  ok  ok ",  "404 404 404 404 404 ok  ok  ok "),
    ("GET /api/v1/cases/{case_id}/materials/{file_id}",            CASE,      "ok  ok  ok  ok  ok  ok  ok  ok ",  "404 404 404 404 404 ok  ok  ok "),
    ("GET /api/v1/cases/{case_id}/receipts",                       CASE,      "ok  ok  ok  ok  ok  ok  ok  ok ",  "404 404 404 404 404 ok  ok  ok "),
    ("GET /api/v1/cases/{case_id}/receipts/{kind}",                CASE,      "ok  ok  ok  ok  ok  ok  ok  ok ",  "404 404 404 404 404 ok  ok  ok "),
    # after the fact: remedies recorded by clerks, heads and supervisors; rating by the applicant
    ("GET /api/v1/cases/{case_id}/aftercare",                      CASE,      "ok  ok  ok  ok  ok  ok  ok  ok ",  "404 404 404 404 404 ok  ok  ok "),
    ("POST /api/v1/cases/{case_id}/remedies",                      CASE,      "403 ok  403 403 ok  ok  403 ok ",  "404 404 404 404 404 ok  403 ok "),
    ("POST /api/v1/cases/{case_id}/remedies/{remedy_id}/outcome",  CASE,      "403 ok  403 403 ok  ok  403 ok ",  "404 404 404 404 404 ok  403 ok "),
    ("POST /api/v1/cases/{case_id}/rating",                        CASE,      "ok  403 403 403 403 403 403 403",  "404 403 403 403 403 403 403 403"),
    # complaints: filed about a case one may see; handled by the department's head or supervisors
    ("POST /api/v1/complaints",                                    CASE,      "ok  ok  ok  ok  ok  ok  403 ok ",  "404 404 404 404 404 ok  403 ok "),
    ("GET /api/v1/complaints",                                     COMPLAINT, "403 ok  ok  ok  ok  ok  ok  ok ",  "403 404 404 404 404 ok  ok  ok "),
    ("GET /api/v1/complaints/{complaint_id}",                      COMPLAINT, "404 ok  ok  ok  ok  ok  ok  ok ",  "404 404 404 404 404 ok  ok  ok "),
    ("POST /api/v1/complaints/{complaint_id}/steps",               COMPLAINT, "404 403 403 403 ok  ok  403 ok ",  "404 404 404 404 404 ok  403 ok "),
    ("POST /api/v1/complaints/check",                              NONE,      "403 403 403 403 403 ok  403 ok ",  ""),
    # alerts: read and answered (回告) by the responsible department; removed (摘牌) by supervisors
    ("GET /api/v1/alerts",                                         ALERT,     "404 ok  ok  ok  ok  ok  ok  ok ",  "404 404 404 404 404 ok  ok  ok "),
    ("GET /api/v1/alerts/{alert_id}",                              ALERT,     "404 ok  ok  ok  ok  ok  ok  ok ",  "404 404 404 404 404 ok  ok  ok "),
    ("POST /api/v1/alerts/{alert_id}/ack",                         ALERT,     "404 ok  ok  ok  ok  403 403 403",  "404 404 404 404 404 403 403 403"),
    ("POST /api/v1/alerts/{alert_id}/respond",                     ALERT,     "404 ok  ok  ok  ok  403 403 403",  "404 404 404 404 404 403 403 403"),
    ("POST /api/v1/alerts/{alert_id}/remove",                      ALERT,     "403 403 403 403 403 ok  403 ok ",  "403 403 403 403 403 ok  403 ok "),
    # people, their contact points and inbox
    ("GET /api/v1/users",                                          STAFF,     "403 ok  ok  ok  ok  ok  403 ok ",  "403 404 404 404 404 ok  403 ok "),
    ("POST /api/v1/users",                                         NONE,      "403 403 403 403 403 403 403 ok ",  ""),
    ("POST /api/v1/users/{user_id}/disable",                       NONE,      "403 403 403 403 403 403 403 ok ",  ""),
    ("POST /api/v1/users/{user_id}/token",                         NONE,      "403 403 403 403 403 403 403 ok ",  ""),
    ("GET /api/v1/users/{user_id}/contacts",                       PERSON,    "ok  ok  ok  ok  ok  ok  ok  ok ",  "403 403 403 403 403 403 403 ok "),
    ("POST /api/v1/users/{user_id}/contacts",                      PERSON,    "ok  ok  ok  ok  ok  ok  ok  ok ",  "403 403 403 403 403 403 403 ok "),
    ("DELETE /api/v1/users/{user_id}/contacts/{contact_id}",       PERSON,    "ok  ok  ok  ok  ok  ok  ok  ok ",  "403 403 403 403 403 403 403 ok "),
    ("GET /api/v1/inbox",                                          PERSON,    "ok  ok  ok  ok  ok  ok  ok  ok ",  "404 404 404 404 404 404 404 404"),
    ("POST /api/v1/inbox/{message_id}/read",                       PERSON,    "ok  ok  ok  ok  ok  ok  ok  ok ",  "404 404 404 404 404 404 404 404"),
    ("GET /api/v1/notifications/deliveries",                       NONE,      "403 403 403 403 403 ok  403 ok ",  ""),
    ("POST /api/v1/notifications/deliveries/{delivery_id}/replay", NONE,      "403 403 403 403 403 ok  403 ok ",  ""),
    # supervision, the policy in force and its history, administration
    ("POST /api/v1/supervision/sweep",                             NONE,      "403 403 403 403 403 403 403 ok ",  ""),
    ("POST /api/v1/supervision/rules/reload",                      NONE,      "403 403 403 403 403 403 ok  ok ",  ""),
    ("GET /api/v1/supervision/rules",                              NONE,      "403 403 403 403 403 ok  ok  ok ",  ""),
    ("POST /api/v1/policy/reload",                                 NONE,      "403 403 403 403 403 403 ok  ok ",  ""),
    ("GET /api/v1/policy",                                         NONE,      "403 403 403 403 403 ok  ok  ok ",  ""),
    ("GET /api/v1/policy/versions",                                NONE,      "403 403 403 403 403 ok  ok  ok ",  ""),
    ("GET /api/v1/policy/versions/{version}/files/{path:path}",    NONE,      "403 403 403 403 403 ok  ok  ok ",  ""),
    ("GET /api/v1/policy/diff",                                    NONE,      "403 403 403 403 403 ok  ok  ok ",  ""),
    ("POST /api/v1/policy/backtest",                               NONE,      "403 403 403 403 403 ok  ok  ok ",  ""),
    ("GET /api/v1/system/calendar",                                NONE,      "403 403 403 403 403 ok  ok  ok ",  ""),
    ("POST /api/v1/system/calendar/recompute",                     NONE,      "403 403 403 403 403 403 403 ok ",  ""),
    ("GET /api/v1/system/alerts",                                  NONE,      "403 403 403 403 403 ok  ok  ok ",  ""),
    # statistics of the recorded history (统计分析): a head's are their own department's
    ("GET /api/v1/statistics",                                     NONE,      "403 403 403 403 ok  ok  ok  ok ",  ""),
    # scores and grades (绩效评估), as for statistics
    ("GET /api/v1/evaluations",                                    NONE,      "403 403 403 403 ok  ok  ok  ok ",  ""),
    # bulletins (监察通报 / 年终考核): read by heads and supervision; re-run by supervision
    ("GET /api/v1/bulletins",                                      NONE,      "403 403 403 403 ok  ok  ok  ok ",  ""),
    ("GET /api/v1/bulletins/{number}",                             NONE,      "403 403 403 403 ok  ok  ok  ok ",  ""),
    ("GET /api/v1/bulletins/{number}/reproduction",                NONE,      "403 403 403 403 403 ok  ok  ok ",  ""),
    # watch screens, health and the API's own documentation
    ("GET /metrics",                                               PUBLIC,    "",                                 ""),
    ("GET /healthz",                                               PUBLIC,    "",                                 ""),
    ("GET /openapi.json",                                          PUBLIC,    "",                                 ""),
    ("GET /docs",                                                  PUBLIC,    "",                                 ""),
    ("GET /docs/oauth2-redirect",                                  PUBLIC,    "",                                 ""),
    ("GET /redoc",                                                 PUBLIC,    "",                                 ""),
)
# fmt: on


def _outcomes(route: str, cells: str) -> dict[str, str]:
    values = cells.split()
    if len(values) != len(ROLES) or any(v not in OUTCOMES for v in values):
        raise ValueError(f"{route}: expected {len(ROLES)} of {OUTCOMES}, got {cells!r}")
    return dict(zip(ROLES, values, strict=True))


def _access(route: str, target: str, own: str, other: str) -> Access:
    method, path = route.split(" ", 1)
    if target == PUBLIC:
        return Access(method, path, target, {}, {})
    own_cells = _outcomes(route, own)
    other_cells = {} if target == NONE else _outcomes(route, other)
    return Access(method, path, target, own_cells, other_cells)


MATRIX: tuple[Access, ...] = tuple(_access(*row) for row in _TABLE)
BY_ROUTE: dict[str, Access] = {access.key: access for access in MATRIX}
if len(BY_ROUTE) != len(MATRIX):  # pragma: no cover (a duplicated row is a mistake in the table)
    raise ValueError("a route appears twice in the authorisation matrix")
