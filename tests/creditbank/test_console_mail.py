"""Without EMAIL_URL (development, `make run`) e-mails are written to the log, readable: the
subject decoded, the body as text, the Message-ID whole, ID numbers masked (creditbank.mail)."""

import logging
import os
import subprocess
import sys
from pathlib import Path

from creditbank.redaction import RedactingFilter

ROOT = Path(__file__).resolve().parents[2]


CONSOLE_MAIL = """
import django
django.setup()
from django.core.mail import EmailMultiAlternatives
message = EmailMultiAlternatives(
    "[学分银行] 您的学习账户已通过实名核验",
    "您的学习账户已启用。身份证号 11010519491231002X。" + "很长的一行。" * 200
    + "\\nhttp://127.0.0.1:8000/my/account/",
    to=["li@example.com"],
    headers={"Message-ID": "<179632113245.19241.105536606045147295@localhost>"},
)
message.attach_alternative("<p>您的学习账户已启用。</p>", "text/html")
message.send()
"""


def test_without_an_smtp_server_e_mails_are_logged_readable_and_masked():
    """`make run` (no EMAIL_URL) writes each e-mail to the log through the real logging set-up:
    the subject decoded, the body as text even with a line too long for 8-bit MIME, the
    Message-ID whole (its 18 digits are not an ID number), an ID number in the body masked."""
    clean = {k: v for k, v in os.environ.items() if k not in {"EMAIL_URL", "LOG_LEVEL", "PORT"}}
    result = subprocess.run(
        [sys.executable, "-c", CONSOLE_MAIL],
        cwd=ROOT, env={**clean, "DJANGO_SETTINGS_MODULE": "creditbank.settings"},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    log = result.stderr
    assert "Subject: [学分银行] 您的学习账户已通过实名核验" in log
    assert "=?utf-8?" not in log and "Content-Transfer-Encoding" not in log
    assert "您的学习账户已启用。" in log and "很长的一行。" * 200 in log
    assert "http://127.0.0.1:8000/my/account/" in log
    assert "Message-ID: <179632113245.19241.105536606045147295@localhost>" in log
    assert "11010519491231002X" not in log and "1101**********002X" in log
    assert "[text/html alternative" in log
    assert log.count("e-mail (not sent") == 1


def test_the_log_filter_masks_every_record_but_one_marked_as_masked_already():
    plain = logging.LogRecord("x", logging.INFO, "", 0, "id 11010519491231002X", (), None)
    marked = logging.LogRecord(
        "x", logging.INFO, "", 0, "<179632113245.105536606045147295@x>", (), None
    )
    marked.redacted = True
    RedactingFilter().filter(plain)
    RedactingFilter().filter(marked)
    assert plain.getMessage() == "id 1101**********002X"
    assert marked.getMessage() == "<179632113245.105536606045147295@x>"
