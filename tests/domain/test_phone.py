"""Vietnamese phone numbers: every way people type them, and what must be refused."""

import pytest

from moderator.domain.phone import PhoneError, is_valid_phone, mask_phone, normalize_phone


@pytest.mark.parametrize(
    "raw, expected",
    [
        # mobile, national form, with the usual separators
        ("0912345678", "0912345678"),
        ("0912 345 678", "0912345678"),
        ("0912.345.678", "0912345678"),
        ("0912-345-678", "0912345678"),
        ("091 234 5678", "0912345678"),
        ("  0912345678  ", "0912345678"),
        ("0912\u00a0345\u00a0678", "0912345678"),  # non-breaking spaces (copied from a document)
        ("\uff10\uff19\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18", "0912345678"),  # full-width
        # every mobile prefix 03 05 07 08 09
        ("0368000103", "0368000103"),
        ("0856000106", "0856000106"),
        ("0703000109", "0703000109"),
        ("0818000111", "0818000111"),
        ("0987000102", "0987000102"),
        # country code
        ("+84 912.345.678", "0912345678"),
        ("+84912345678", "0912345678"),
        ("+84 912 345 678", "0912345678"),
        ("+84-912-345-678", "0912345678"),
        ("(+84) 912 345 678", "0912345678"),
        ("+84 (0) 912 345 678", "0912345678"),
        ("+840912345678", "0912345678"),
        ("84912345678", "0912345678"),
        ("84 912 345 678", "0912345678"),
        ("0084912345678", "0912345678"),
        ("0084 912 345 678", "0912345678"),
        ("00 84 912 345 678", "0912345678"),
        # landlines: 02x + 8 digits (11 digits in all)
        ("024 3825 1234", "02438251234"),
        ("(024) 3825 1234", "02438251234"),
        ("02438251234", "02438251234"),
        ("(0228) 3123 456", "02283123456"),
        ("0228.3123.456", "02283123456"),
        ("0283 123 4567", "02831234567"),
        ("+84 24 3825 1234", "02438251234"),
        ("+84 228 3123 456", "02283123456"),
        ("84 24 3825 1234", "02438251234"),
    ],
)
def test_accepted_forms(raw, expected):
    assert normalize_phone(raw) == expected
    assert is_valid_phone(raw)


@pytest.mark.parametrize(
    "raw",
    [
        "12345",
        "0123456789",  # prefix 01
        "01234567890",  # old 11-digit mobile 01xx, retired in 2018
        "0612345678",  # prefix 06
        "0412345678",  # prefix 04
        "0012345678",
        "091234567",  # 9 digits
        "09123456789",  # 11 digits mobile
        "024382512",  # landline too short
        "024382512345",  # landline too long
        "abc",
        "",
        "   ",
        "+1 202 555 0100",
        "+44 20 7946 0958",
        "+84 12 345 678",  # too short after +84
        "0912 345 678 ext 1",
        "0912O345678",  # letter O for zero
        "0912345678 / 0987654321",  # two numbers
        "0912+345678",  # plus in the middle
        "++84912345678",
        "912345678",  # leading 0 missing
        "0912_345_678",
    ],
)
def test_rejected_forms(raw):
    with pytest.raises(PhoneError) as info:
        normalize_phone(raw)
    assert info.value.code == "phone_invalid"
    assert not is_valid_phone(raw)


def test_error_is_a_value_error_with_a_code():
    with pytest.raises(ValueError):
        normalize_phone("abc")
    error = PhoneError()
    assert error.code == "phone_invalid"
    assert str(error)


@pytest.mark.parametrize("raw", [None, 912345678, b"0912345678"])
def test_non_strings_are_rejected(raw):
    with pytest.raises(PhoneError):
        normalize_phone(raw)


def test_normalised_form_is_stable():
    for raw in ["+84 912.345.678", "(0228) 3123 456"]:
        once = normalize_phone(raw)
        assert normalize_phone(once) == once


@pytest.mark.parametrize(
    "raw, masked",
    [
        ("0912345678", "0912***678"),
        ("+84 912.345.678", "0912***678"),
        ("02438251234", "0243****234"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_phone(raw, masked):
    assert mask_phone(raw) == masked


def test_mask_never_echoes_an_invalid_number():
    masked = mask_phone("0612345678")
    assert masked.endswith("78")
    assert "0612345" not in masked
    assert set(masked[:-2]) == {"*"}
    assert mask_phone("abc") == ""
