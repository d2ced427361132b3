"""The one rule for spreadsheet cells (issue 16.1): OWASP's formula starts are defused, numbers and phone
numbers stay values."""
import pytest

from moderator.domain.cells import csv_cell, looks_like_formula

FORMULAS = ['=HYPERLINK("http://example.invalid","bấm vào đây")', "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
            "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", "\tabc", "  =1+1", "=", "@"]
VALUES = ["0912345678", "+84912345678", "+84 912 345 678", "+84 912.345.678", "-5", "-3,5", "-3.5", "+7",
          "-1.000.000", "Đường liên thôn", "", "-", "a=b", "Số 12 – ngõ 5", " 5"]


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_starts_are_defused_with_an_apostrophe(text):
    assert looks_like_formula(text)
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize("text", VALUES)
def test_numbers_phones_and_plain_text_stay_as_typed(text):
    assert not looks_like_formula(text)
    assert csv_cell(text) == text


def test_real_numbers_stay_numbers():
    assert csv_cell(-5) == -5 and csv_cell(3.5) == 3.5 and csv_cell(None) == "" and csv_cell(True) == "Có"
