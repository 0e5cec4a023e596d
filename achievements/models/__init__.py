"""The models of achievements, by subject: the standards recognition matches against, the
achievements and their evidence, recognition and the history of each achievement, and the credit
ledger. Everything is importable from ``achievements.models`` (migrations name
``achievements.models.evidence_upload_to``)."""

from .achievements import ACHIEVEMENT_TRANSITIONS, Achievement, Evidence, evidence_upload_to
from .ledger import CreditEntry
from .recognition import EVENT_LABELS, AchievementEvent, Recognition
from .standards import AchievementCategory, QualificationLevel, UnitStandard

__all__ = [
    "ACHIEVEMENT_TRANSITIONS",
    "EVENT_LABELS",
    "Achievement",
    "AchievementCategory",
    "AchievementEvent",
    "CreditEntry",
    "Evidence",
    "QualificationLevel",
    "Recognition",
    "UnitStandard",
    "evidence_upload_to",
]
