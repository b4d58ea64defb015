"""The fixed vocabularies of post-supervision (shared by the core, the API and rule fields)."""

from __future__ import annotations

from typing import Literal, get_args

# 好差评: five levels, best first; the last two are negative (差评).
RatingLevel = Literal["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
RATING_LEVELS: tuple[str, ...] = get_args(RatingLevel)
NEGATIVE_RATINGS = frozenset(RATING_LEVELS[3:])
# 投诉渠道: online, letter, in person, phone (the last three recorded by staff).
Channel = Literal["online", "letter", "in_person", "phone"]
CHANNELS: tuple[str, ...] = get_args(Channel)
COMPLAINT_STATES = ("registered", "accepted", "rejected", "handling", "concluded")
RemedyKind = Literal["reconsideration", "litigation", "compensation"]
# kept 维持 / changed 变更 / revoked 撤销 / confirmed_illegal 确认违法 / dismissed 驳回 /
# compensated 赔偿 / refused 不予赔偿 / withdrawn 撤回
RemedyOutcome = Literal[
    "kept",
    "changed",
    "revoked",
    "confirmed_illegal",
    "dismissed",
    "compensated",
    "refused",
    "withdrawn",
]
