"""Meeting templates taken from the seed plans (seed 004: commune dialogue; seed 003: province dialogue)."""
from __future__ import annotations

from dataclasses import dataclass, field

from .labels import N_

# Seed 004, part II.5: the six-step programme.
COMMUNE_PROGRAMME = [
    "Tuyên bố lý do, giới thiệu đại biểu, thông qua chương trình; giới thiệu chủ trì và cử thư ký ghi biên bản",
    "Chủ trì thông báo mục đích, yêu cầu, nội dung, cách thức đối thoại",
    "Báo cáo khái quát về công tác xây dựng Đảng, hệ thống chính trị, tình hình phát triển kinh tế - xã hội",
    "Đại biểu phát biểu ý kiến theo thứ tự đã đăng ký",
    "Chủ trì trao đổi, trả lời hoặc chỉ định các ngành chuyên môn làm rõ",
    "Chủ trì phát biểu tiếp thu ý kiến và kết luận hội nghị",
]

# Answering units at commune level since the 2025 reform (DOMAIN.md).
COMMUNE_UNITS = [
    "Văn phòng HĐND và UBND",
    "Phòng Kinh tế",
    "Phòng Văn hóa - Xã hội",
    "Trung tâm Phục vụ hành chính công",
    "Công an xã",
    "Ban Chỉ huy Quân sự xã",
    "Văn phòng Đảng ủy",
    "Ban Xây dựng Đảng",
    "Ủy ban Kiểm tra Đảng ủy",
    "Ủy ban MTTQ Việt Nam xã",
]

# Field -> default answering unit (commune).
COMMUNE_FIELDS = {
    "Đất đai": "Phòng Kinh tế",
    "Quy hoạch": "Phòng Kinh tế",
    "Giải phóng mặt bằng": "Phòng Kinh tế",
    "Môi trường": "Phòng Kinh tế",
    "Giao thông": "Phòng Kinh tế",
    "Nước sạch": "Phòng Kinh tế",
    "Điện": "Phòng Kinh tế",
    "Kinh tế": "Phòng Kinh tế",
    "Chính sách xã hội": "Phòng Văn hóa - Xã hội",
    "Người có công": "Phòng Văn hóa - Xã hội",
    "Y tế": "Phòng Văn hóa - Xã hội",
    "Giáo dục": "Phòng Văn hóa - Xã hội",
    "Văn hóa": "Phòng Văn hóa - Xã hội",
    "An ninh trật tự": "Công an xã",
    "Quốc phòng": "Ban Chỉ huy Quân sự xã",
    "Thủ tục hành chính": "Trung tâm Phục vụ hành chính công",
    "Xây dựng Đảng": "Ban Xây dựng Đảng",
    "Khác": "Văn phòng HĐND và UBND",
}

PROVINCE_PROGRAMME = [
    "Tuyên bố lý do, giới thiệu đại biểu; giới thiệu chủ trì và cử thư ký ghi biên bản",
    "Thông báo khái quát tình hình kinh tế - xã hội của tỉnh",
    "Đại biểu phát biểu ý kiến, kiến nghị",
    "Đồng chí Bí thư Tỉnh ủy trả lời, chỉ đạo; các sở, ngành trả lời theo thẩm quyền",
    "Đồng chí Bí thư Tỉnh ủy phát biểu kết luận hội nghị",
]

PROVINCE_UNITS = [
    "Sở Nông nghiệp và Môi trường",
    "Sở Xây dựng",
    "Sở Tài chính",
    "Sở Y tế",
    "Sở Giáo dục và Đào tạo",
    "Sở Nội vụ",
    "Sở Văn hóa, Thể thao và Du lịch",
    "Công an tỉnh",
    "Ban Tổ chức Tỉnh ủy",
    "Ban Dân vận Tỉnh ủy",
    "Ủy ban MTTQ Việt Nam tỉnh",
    "UBND thành phố",
]

PROVINCE_FIELDS = {
    "Xây dựng Đảng, hệ thống chính trị": "Ban Tổ chức Tỉnh ủy",
    "Quy hoạch, quản lý quy hoạch": "Sở Xây dựng",
    "Đất đai, tài nguyên và môi trường": "Sở Nông nghiệp và Môi trường",
    "Giải phóng mặt bằng, dự án đầu tư": "Sở Tài chính",
    "Nông thôn mới, đô thị văn minh": "Sở Nông nghiệp và Môi trường",
    "Chính sách xã hội": "Sở Nội vụ",
    "Y tế": "Sở Y tế",
    "Giáo dục": "Sở Giáo dục và Đào tạo",
    "Văn hóa": "Sở Văn hóa, Thể thao và Du lịch",
    "An ninh trật tự": "Công an tỉnh",
    "Khác": "UBND thành phố",
}

DECLINE_REASONS = [
    "Không thuộc thẩm quyền của cấp này – chuyển cơ quan có thẩm quyền",
    "Bức xúc cá nhân – hướng dẫn đến buổi tiếp công dân",
    "Trùng nội dung với ý kiến khác – đã gộp",
    "Không thuộc nội dung của hội nghị",
]

PROVINCE_NOTE = ("Lưu ý: Chỉ ý kiến đề xuất, kiến nghị những nội dung thuộc trách nhiệm, "
                 "thẩm quyền giải quyết của cấp tỉnh và Trung ương.")
COMMUNE_NOTE = ("Lưu ý: Nêu những ý kiến, kiến nghị thuộc trách nhiệm, thẩm quyền của cấp ủy, chính quyền xã; "
                "không phản ánh bức xúc cá nhân không thuộc nội dung hội nghị.")


@dataclass(frozen=True)
class Preset:
    key: str
    label: str
    level: str
    programme: list[str]
    units: list[str]
    fields: dict[str, str]
    jurisdiction_note: str
    doc_format: str
    speaking_seconds: int
    duration_minutes: int
    decline_reasons: list[str] = field(default_factory=lambda: list(DECLINE_REASONS))


PRESETS = {
    "commune": Preset("commune", N_("Đối thoại cấp xã (nửa ngày, đồng chủ trì)"), "commune", COMMUNE_PROGRAMME,
                      COMMUNE_UNITS, COMMUNE_FIELDS, COMMUNE_NOTE, "party", 180, 240),
    "province": Preset("province", N_("Đối thoại cấp tỉnh / thành phố"), "province", PROVINCE_PROGRAMME,
                       PROVINCE_UNITS, PROVINCE_FIELDS, PROVINCE_NOTE, "party", 240, 240),
}
