"""The credentials of a proof document: an Open Badges 3.0 ``OpenBadgeCredential`` per
achievement, and one CLR 2.0 ``ClrCredential`` that carries them all (``partial`` for a proof
of chosen achievements), each signed (``eddsa-rdfc-2022``) by the bank's ``did:web``.

Everything is read from ``document.content`` — the snapshot the PDF and the verification page
show — so the three agree. Ids are UUIDv5 of the document's code and the line, so issuing again
gives the same ids. The learner is named by a salted hash of the account number (OB 3.0
``IdentityObject``) and by name, the way a reader of the PDF sees it. Only terms the contexts
define are used: verifiers in JSON-LD "safe mode" reject anything else.
"""

import hashlib
import uuid
from decimal import Decimal

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from ..models.proof import STATUS_LIST_SIZE
from .contexts import CLR_V2, CREDENTIALS_V2, OPEN_BADGES_V3
from .dataintegrity import UNSAFE_CHARACTERS, sign, xsd_datetime
from .did import issuer_did

OB_CONTEXT = [CREDENTIALS_V2, OPEN_BADGES_V3]
# CLR 2.0: the VC context, then CLR, then Open Badges — in this order.
CLR_CONTEXT = [CREDENTIALS_V2, CLR_V2, OPEN_BADGES_V3]
STATUS_PURPOSES = ("revocation", "suspension")

# The words of the credentials, in the document's language (independent of the reader's).
TEXT = {
    "zh-hans": {
        "transcript": "{name}的成绩单",
        "proof": "{name}的学习成果证明",
        "summary": "共 {count} 项学习成果，合计 {credits} 学分。",
        "issued_by": "{issuer}出具的{category}",
        "level": "{level}",
        "credits": "认定 {credits} 学分",
        "recognised": "{date}认定",
        "criteria": "学分银行按学习成果认定程序审核{category}的证明材料后认定。",
        "standard": "对应能力单元 {code}《{title}》。",
        "separator": "，",
        "end": "。",
    },
    "en": {
        "transcript": "Transcript of {name}",
        "proof": "Proof of learning outcomes of {name}",
        "summary": "{count} achievements, {credits} credits in total.",
        "issued_by": "{category} from {issuer}",
        "level": "{level}",
        "credits": "{credits} credits recognised",
        "recognised": "recognised on {date}",
        "criteria": (
            "Recognised by the credit bank after its review of the evidence of this "
            "{category_lower}."
        ),
        "standard": " Unit standard {code} ({title}).",
        "separator": "; ",
        "end": ".",
    },
}


def _text(value) -> str:
    """Plain text for a credential: no control characters (they would not sign the same)."""
    return UNSAFE_CHARACTERS.sub(" ", str(value or "")).strip()


def _number(value: str):
    """A credit amount as a JSON number: an integer when whole, so that every JSON-LD
    processor writes the same literal (``12`` and ``1.25E1``)."""
    amount = Decimal(value or 0)
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def _uuid(document, *parts) -> str:
    name = "/".join([settings.CREDITBANK_SITE_URL, "documents", document.code, *map(str, parts)])
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"


def _language(document) -> str:
    return "en" if document.language == "en" else "zh-hans"


def issuer_name(language: str) -> str:
    """The bank's name as it signs: ``重庆市终身学习学分银行``."""
    with translation.override(language):
        name = str(settings.CREDITBANK_SITE_NAME)
    if language == "en":
        return f"{settings.CREDITBANK_CITY_NAME_EN} {name}"
    return f"{settings.CREDITBANK_CITY_NAME}{name}"


def issuer_profile(language: str) -> dict:
    return {"id": issuer_did(), "type": ["Profile"], "name": issuer_name(language)}


def _salt(document) -> str:
    return hashlib.sha256(f"identity-salt:{document.code}".encode()).hexdigest()[:32]


def _identifiers(document) -> list[dict]:
    learner = document.content["holder"]
    salt = _salt(document)
    digest = hashlib.sha256((learner["account_number"] + salt).encode("utf-8")).hexdigest()
    return [
        {
            "type": "IdentityObject",
            "identityHash": f"sha256${digest}",
            "identityType": "identifier",
            "hashed": True,
            "salt": salt,
        },
        {
            "type": "IdentityObject",
            "identityHash": _text(learner["name"]),
            "identityType": "name",
            "hashed": False,
        },
    ]


def _achievement_id(document, line: dict) -> str:
    return _uuid(document, "achievement", line["id"])


def _description(line: dict, words: dict, language: str) -> str:
    category = line["category_en"] if language == "en" else line["category_zh"]
    parts = [words["issued_by"].format(issuer=_text(line["issuer"]), category=_text(category))]
    level = line.get("level")
    if level:
        name = level["name_en"] if language == "en" else level["name_zh"]
        parts.append(words["level"].format(level=_text(name)))
    parts.append(words["credits"].format(credits=line["credits"]))
    parts.append(words["recognised"].format(date=line["recognised_on"]))
    return words["separator"].join(parts) + words["end"]


def _criteria(line: dict, words: dict, language: str) -> str:
    category = line["category_en"] if language == "en" else line["category_zh"]
    narrative = words["criteria"].format(
        category=_text(category), category_lower=_text(category).lower()
    )
    standard = line.get("unit_standard")
    if standard:
        narrative += words["standard"].format(
            code=_text(standard["code"]), title=_text(standard["title"])
        )
    return narrative


def _achievement(document, line: dict) -> dict:
    language = _language(document)
    words = TEXT[language]
    category = line["category_en"] if language == "en" else line["category_zh"]
    achievement = {
        "id": _achievement_id(document, line),
        "type": ["Achievement"],
        "achievementType": "Achievement",
        "name": _text(line["title"]),
        "description": _description(line, words, language),
        "criteria": {"narrative": _criteria(line, words, language)},
        "creditsAvailable": _number(line["credits"]),
        "tag": [_text(category)],
        "inLanguage": "en" if language == "en" else "zh-Hans",
    }
    if _text(line.get("field")):
        achievement["fieldOfStudy"] = _text(line["field"])
    if line.get("unit_standard"):
        achievement["humanCode"] = _text(line["unit_standard"]["code"])
    return achievement


def status_list_url(number: int, purpose: str) -> str:
    path = reverse("achievements:status_list", kwargs={"number": number, "purpose": purpose})
    return settings.CREDITBANK_SITE_URL.rstrip("/") + path


def status_entries(document) -> list[dict]:
    """The document's two Bitstring Status List entries (revocation and suspension share one
    index; each purpose has its own list)."""
    number, index = divmod(document.status_index, STATUS_LIST_SIZE)
    entries = []
    for purpose in STATUS_PURPOSES:
        url = status_list_url(number, purpose)
        entries.append(
            {
                "id": f"{url}#{index}",
                "type": "BitstringStatusListEntry",
                "statusPurpose": purpose,
                "statusListIndex": str(index),
                "statusListCredential": url,
            }
        )
    return entries


def _validity(document) -> dict:
    validity = {"validFrom": xsd_datetime(document.issued_at)}
    if document.expires_at is not None:
        validity["validUntil"] = xsd_datetime(document.expires_at)
    return validity


def _achievement_credential(document, line: dict) -> dict:
    language = _language(document)
    subject = {
        "type": ["AchievementSubject"],
        "identifier": _identifiers(document),
        "achievement": _achievement(document, line),
        "creditsEarned": _number(line["credits"]),
    }
    if _text(line.get("result")):
        subject["result"] = [{"type": ["Result"], "value": _text(line["result"])}]
    credential = {
        "@context": list(OB_CONTEXT),
        "id": _uuid(document, "credential", line["id"]),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": _text(line["title"]),
        "issuer": issuer_profile(language),
        **_validity(document),
        "credentialSubject": subject,
        "credentialStatus": status_entries(document),
    }
    return sign(credential, created=document.issued_at)


def achievement_credentials(document) -> list[dict]:
    """One signed OpenBadgeCredential per achievement the document lists, in its order."""
    return [_achievement_credential(document, line) for line in document.content["achievements"]]


def document_credential(document) -> dict:
    """The signed ClrCredential of ``document``, embedding its OpenBadgeCredentials."""
    language = _language(document)
    words = TEXT[language]
    content = document.content
    name = _text(content["holder"]["name"])
    kind = "proof" if document.kind == "proof" else "transcript"
    lines = content["achievements"]
    credential = {
        "@context": list(CLR_CONTEXT),
        "id": _uuid(document, "clr"),
        "type": ["VerifiableCredential", "ClrCredential"],
        "name": words[kind].format(name=name),
        "description": words["summary"].format(
            count=len(lines), credits=content["totals"]["credits"]
        ),
        "partial": document.kind == "proof",
        "issuer": issuer_profile(language),
        **_validity(document),
        "credentialSubject": {
            "type": ["ClrSubject"],
            "identifier": _identifiers(document),
            "achievement": [_achievement(document, line) for line in lines],
            "verifiableCredential": achievement_credentials(document),
        },
        "credentialStatus": status_entries(document),
    }
    return sign(credential, created=document.issued_at)
