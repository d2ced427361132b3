"""Vietnamese labels for the stored codes, shared by documents, exports, follow-up and statistics.
(Status labels live beside the state machine: states.STATUS_LABELS_VI.)

The domain has no Flask: `N_` only marks a label for extraction into the catalog; screens translate it when they
render it (`_(label)`), documents keep the Vietnamese."""


def N_(text: str) -> str:
    return text


MODE_LABELS = {"hall": N_("Trả lời trực tiếp tại hội nghị"), "writing": N_("Trả lời bằng văn bản"),
               "forwarded": N_("Chuyển cấp có thẩm quyền")}
JURISDICTION_LABELS = {"commune": N_("Cấp xã"), "province": N_("Cấp tỉnh"), "central": N_("Trung ương"),
                       "outside": N_("Ngoài hệ thống hành chính")}
SOURCE_LABELS = {"phone": N_("Điện thoại (mã QR)"), "paper": N_("Phiếu giấy"), "precollected": N_("Thu thập trước hội nghị"),
                 "floor": N_("Phát biểu tại hội trường")}


class Phrase:
    """A part of a message that screens translate before it goes into the message (the domain has no Flask):
    the Vietnamese text (a catalog msgid, marked with N_) and its parameters."""

    __slots__ = ("text", "params")

    def __init__(self, text: str, **params):
        self.text = text
        self.params = params

    def render(self, translate=lambda s: s) -> str:
        text = translate(self.text)
        return text % self.params if self.params and "%(" in text else text

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        return f"Phrase({self.text!r}, {self.params!r})"
