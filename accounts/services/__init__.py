"""Writes on people and organisations, one module per subject; each service is one transaction
with one audit event."""

from .institutions import (
    institution_apply,
    institution_approve,
    institution_decide,
    institution_invitation_accept,
    institution_invitation_cancel,
    institution_invite,
    institution_reinstate,
    institution_reject,
    institution_staff_remove,
    institution_suspend,
    invitation_email_send,
)
from .learners import (
    Identity,
    learner_account_close,
    learner_account_create,
    learner_account_freeze,
    learner_account_resubmit,
    learner_account_return,
    learner_account_unfreeze,
    learner_account_verify,
    learner_id_reveal,
    learner_mobile_change,
)
from .roles import role_grant, role_revoke

__all__ = [
    "institution_apply",
    "institution_approve",
    "institution_decide",
    "institution_invitation_accept",
    "institution_invitation_cancel",
    "institution_invite",
    "institution_reinstate",
    "institution_reject",
    "institution_staff_remove",
    "institution_suspend",
    "invitation_email_send",
    "Identity",
    "learner_account_close",
    "learner_account_create",
    "learner_account_freeze",
    "learner_account_resubmit",
    "learner_account_return",
    "learner_account_unfreeze",
    "learner_account_verify",
    "learner_id_reveal",
    "learner_mobile_change",
    "role_grant",
    "role_revoke",
]
