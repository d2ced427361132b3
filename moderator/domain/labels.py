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
