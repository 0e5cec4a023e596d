"""The models of achievements, by subject: the standards recognition matches against, the
achievements and their evidence, recognition and the history of each achievement, the credit
ledger, and proof (documents, share links, credit inquiries). Everything is importable from
``achievements.models`` (migrations name ``achievements.models.evidence_upload_to``)."""

from .achievements import ACHIEVEMENT_TRANSITIONS, Achievement, Evidence, evidence_upload_to
from .batch import BATCH_TRANSITIONS, ImportBatch, ImportRow, RecognitionMandate, batch_upload_to
from .ledger import CreditEntry
from .proof import (
    DOCUMENT_TRANSITIONS,
    STATUS_LIST_SIZE,
    VALID_DAYS_MAX,
    VALID_DAYS_MIN,
    CreditInquiry,
    DocumentShare,
    DocumentView,
    InquiryConsent,
    ProofDocument,
)
from .recognition import EVENT_LABELS, AchievementEvent, Recognition
from .standards import AchievementCategory, QualificationLevel, UnitStandard

__all__ = [
    "BATCH_TRANSITIONS",
    "ImportBatch",
    "ImportRow",
    "RecognitionMandate",
    "batch_upload_to",
    "ACHIEVEMENT_TRANSITIONS",
    "DOCUMENT_TRANSITIONS",
    "STATUS_LIST_SIZE",
    "VALID_DAYS_MAX",
    "VALID_DAYS_MIN",
    "CreditInquiry",
    "DocumentShare",
    "DocumentView",
    "InquiryConsent",
    "ProofDocument",
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
