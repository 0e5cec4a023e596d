"""The reads pages are built from (achievements.selectors)."""

from pathlib import Path

import pytest

from achievements import selectors


def test_the_card_version_digests_every_module_of_the_models_package(monkeypatch):
    # Statuses and step names live in several modules of achievements.models: a release that
    # changes any of them must change the version the cached archive cards are keyed under.
    read = []
    original = Path.read_bytes

    def recording(path):
        read.append(path.name if path.parent.name == "models" else None)
        return original(path)

    selectors.card_render_version.cache_clear()
    monkeypatch.setattr(Path, "read_bytes", recording)
    try:
        selectors.card_render_version()
    finally:
        selectors.card_render_version.cache_clear()
    assert {"achievements.py", "recognition.py", "standards.py", "ledger.py"} <= set(read)


def test_masked_name_keeps_only_the_first_character():
    assert selectors.masked_name("张三") == "张*"
    assert selectors.masked_name("买买提·艾力") == "买*****"
    assert selectors.masked_name("") == ""


@pytest.mark.django_db
def test_the_ledger_state_names_the_count_and_the_last_entry(review):
    assert selectors.ledger_state(review.account) == selectors.LedgerState(0, None)
    review.recognised()
    entries = list(selectors.statement(review.account))
    state = selectors.ledger_state(review.account)
    assert (state.entries, state.last) == (len(entries), entries[0].pk) and len(entries) == 1
    assert state.key == f"1.{entries[0].pk}"
