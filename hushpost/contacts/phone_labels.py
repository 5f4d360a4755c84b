"""What kind of phone a label or a column header names: "Mobile", "Home Phone", "Phone : iPhone",
"TEL;TYPE=CELL", "Teléfono móvil", "Business Fax"… in the languages we speak.

Address books keep several numbers per person; only a mobile should get texts,
so the import picks a mobile first, then an unlabelled number, then any other
number (saying so), and never a fax or a pager.
"""

from __future__ import annotations

import re
from enum import StrEnum


class PhoneKind(StrEnum):
    MOBILE = "mobile"
    GENERIC = "generic"  # No label, or one that says nothing ("Primary", "Phone", "voice").
    OTHER = "other"  # Home, work, main…: most likely a landline.
    NOT_A_PHONE = "not_a_phone"  # Fax, pager, telex: never a number to call or text.


_NOT_A_PHONE = re.compile(
    r"fax|pager|beeper|telex|tty|tdd|isdn|télécopie|telecopie|传真|傳真|فاكس", re.IGNORECASE
)
_MOBILE = re.compile(
    r"mobil|cell|iphone|handy|móvil|movil|celular|portable|telemóvel|telemovel|mobiel|"
    r"komórk|komork|di động|di dong|手机|手機|移动|جوال|محمول|\bsms\b|\btext\b",
    re.IGNORECASE,
)
_OTHER = re.compile(
    r"home|work|business|office|main|company|car|assistant|callback|radio|other|"
    r"privat|geschäft|geschaft|dienst|büro|buro|casa|trabajo|oficina|domicile|bureau|travail|"
    r"lavoro|ufficio|thuis|werk|kantoor|prac|dom|trabalho|residencial|nhà|cơ quan|"
    r"家|住宅|工作|单位|公司|منزل|عمل",
    re.IGNORECASE,
)
# Apple writes its own labels as "_$!<Mobile>!$_".
_APPLE_LABEL = re.compile(r"_\$!<(.*?)>!\$_")


def phone_kind(label: str) -> PhoneKind:
    text = _APPLE_LABEL.sub(r"\1", label or "").strip(" *").lower()
    if _NOT_A_PHONE.search(text):
        return PhoneKind.NOT_A_PHONE
    if _MOBILE.search(text):
        return PhoneKind.MOBILE
    if _OTHER.search(text):
        return PhoneKind.OTHER
    return PhoneKind.GENERIC
