"""Vietnamese labels for the stored codes, shared by documents, exports, follow-up and statistics.
(Status labels live beside the state machine: states.STATUS_LABELS_VI.)"""

MODE_LABELS = {"hall": "Trả lời trực tiếp tại hội nghị", "writing": "Trả lời bằng văn bản",
               "forwarded": "Chuyển cấp có thẩm quyền"}
JURISDICTION_LABELS = {"commune": "Cấp xã", "province": "Cấp tỉnh", "central": "Trung ương",
                       "outside": "Ngoài hệ thống hành chính"}
SOURCE_LABELS = {"phone": "Điện thoại (mã QR)", "paper": "Phiếu giấy", "precollected": "Thu thập trước hội nghị",
                 "floor": "Phát biểu tại hội trường"}
