"""Telling an uploaded document's type by its content, never by its name or declared type."""

# The first bytes of the only document types the bank accepts (ID images and evidence).
SIGNATURES = (
    (b"%PDF-", "pdf"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
)
EXTENSIONS = {"pdf": "pdf", "jpeg": "jpg", "png": "png"}


def detect_document_kind(head: bytes) -> str | None:
    """``"pdf"``, ``"jpeg"`` or ``"png"`` told by a file's first (eight) bytes, or ``None``."""
    for signature, kind in SIGNATURES:
        if head.startswith(signature):
            return kind
    return None
