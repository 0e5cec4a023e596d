"""Full ID numbers, passwords and tokens never reach audit events or logs."""

import logging

import pytest

from creditbank.audit import audit_record
from creditbank.redaction import RedactingFilter, mask_id_number, redact, redact_text

ID = "11010519491231002X"


def test_an_id_number_is_masked_the_way_pages_show_it():
    assert mask_id_number("500101199001011234") == "5001**********1234"
    assert redact_text(f"ID {ID}, phone 13800138000") == "ID 1101**********002X, phone 13800138000"


def test_numbers_inside_longer_codes_are_left_alone():
    assert redact_text("order A11010519491231002X9") == "order A11010519491231002X9"


def test_secret_keys_lose_their_values_and_nested_ids_are_masked():
    cleaned = redact(
        {"password": "p", "api_token": "t", "id_number": ID, "note": [f"id {ID}"], "n": 1}
    )
    assert cleaned == {
        "password": "[redacted]",
        "api_token": "[redacted]",
        "id_number": "[redacted]",
        "note": ["id 1101**********002X"],
        "n": 1,
    }


@pytest.mark.django_db
def test_an_audit_event_never_holds_a_full_id_number_or_password():
    event = audit_record(
        actor=None,
        action="test.redaction",
        object_type="login",
        object_id=ID,
        after={"password": "hunter2-secret", "name": f"someone {ID}"},
        note=f"typed {ID}",
    )
    event.refresh_from_db()
    stored = f"{event.object_id} {event.summary}"
    assert ID not in stored
    assert "hunter2-secret" not in stored
    assert "1101**********002X" in stored


def test_log_messages_are_masked(caplog):
    logger = logging.getLogger("creditbank.test")
    logger.addFilter(RedactingFilter())
    try:
        with caplog.at_level(logging.INFO, logger="creditbank.test"):
            logger.info("looked up %s", ID)
    finally:
        logger.filters.clear()
    assert ID not in caplog.text
    assert "1101**********002X" in caplog.text
