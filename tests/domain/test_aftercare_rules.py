"""The plain rules behind the after-meeting features: follow-up codes, notices, retry delays, masks, e-mail
addresses, backup schedules, who sees which meetings, recurring subjects."""
from datetime import date, timedelta
import random

import pytest

from moderator.domain import notices
from moderator.domain.contact import EmailError, normalize_email
from moderator.domain.followcode import ALPHABET, display_follow_code, new_follow_code, normalize_follow_code
from moderator.domain.recurring import Raised, recurring_subjects
from moderator.domain.schedule import IntervalError, parse_interval
from moderator.domain.scope import can_see, covered


def test_follow_codes_avoid_look_alikes_and_read_back_however_typed():
    codes = {new_follow_code(random.Random(i)) for i in range(2000)}
    assert len(codes) == 2000 and all(len(c) == 8 and set(c) <= set(ALPHABET) for c in codes)
    assert not set("01OILUV") & set(ALPHABET)
    code = "ABCD2345"
    assert display_follow_code(code) == "ABCD-2345"
    for typed in ("abcd-2345", " ABCD 2345 ", "abcd.2345", "ABCD–2345"):
        assert normalize_follow_code(typed) == code
    for bad in ("", "ABCD234", "ABCD23450", "ABCD-0000", "ABCO2345", None):
        assert normalize_follow_code(bad) is None


def test_a_notice_holds_this_request_only_and_an_sms_stays_short():
    n = notices.compose(notices.ANSWERED, meeting="Hội nghị đối thoại xã Giao Minh", ticket=12, unit="Phòng Kinh tế",
                        answer="Đường sẽ được sửa trong quý I.", deadline=date(2027, 1, 5), code="ABCD-2345",
                        link="https://hoinghi.example/k/ABCD2345")
    assert "phiếu số 12" in n.subject and "Đường sẽ được sửa trong quý I." in n.body
    assert "https://hoinghi.example/k/ABCD2345" in n.sms and len(n.sms) <= notices.SMS_LIMIT
    long = notices.compose(notices.OVERDUE, meeting="H" * 500, ticket=3, unit="", answer="", code="ABCD-2345",
                           deadline=date(2027, 1, 5), link="")
    assert len(long.sms) <= notices.SMS_LIMIT and long.sms.endswith("Mã tra cứu: ABCD-2345")
    assert "05/01/2027" in long.body


def test_retry_delays_grow_and_are_capped():
    delays = [notices.retry_delay(n, 30) for n in range(1, 7)]
    assert delays[:3] == [timedelta(seconds=30), timedelta(seconds=120), timedelta(seconds=480)]
    assert delays[-1] == timedelta(hours=1)


def test_recipients_are_masked():
    assert notices.mask_phone("0912345678") == "091••••678"
    assert notices.mask_email("binh.tran@example.vn") == "b•••@example.vn"
    assert notices.mask_email("") == "" and notices.mask_phone(None) == ""


@pytest.mark.parametrize("typed,ok", [("an@example.vn", "an@example.vn"), (" An@Example.VN ", "An@example.vn"),
                                      ("a b@example.vn", None), ("an@example", None), ("an@@x.vn", None),
                                      ("x" * 200 + "@a.vn", None), ("", None)])
def test_email_addresses(typed, ok):
    if ok is None:
        with pytest.raises(EmailError):
            normalize_email(typed)
    else:
        assert normalize_email(typed) == ok


def test_backup_schedules():
    assert parse_interval("5m") == 300 and parse_interval("30s") == 30 and parse_interval("1h30m") == 5400
    assert parse_interval("90") == 90
    for bad in ("", "5 phút", "0s", "2d", "25h", None):
        with pytest.raises(IntervalError):
            parse_interval(bad)


def test_who_sees_which_meetings():
    parents = {1: None, 2: 1, 3: 1, 4: 2, 9: None}      # province 1 > district 2 > commune 4; commune 3; other 9
    assert covered(1, parents) == {1, 2, 3, 4} and covered(3, parents) == {3} and covered(None, parents) is None
    assert can_see(1, 4, parents) and can_see(2, 4, parents) and not can_see(3, 4, parents)
    assert not can_see(1, 9, parents) and not can_see(1, None, parents) and can_see(None, None, parents)
    assert covered(5, {5: 6, 6: 5}) == {5, 6}          # a cycle in the data ends


def test_recurring_subjects_span_meetings_only():
    items = [Raised(1, 10, "Đất đai", "Đề nghị nâng cấp tuyến đê biển, mùa bão nước tràn qua đê."),
             Raised(2, 20, "Đất đai", "Đề nghị tỉnh sớm nâng cấp đê biển vì mùa bão nước tràn."),
             Raised(3, 10, "Giáo dục", "Đề nghị hỗ trợ học phí cho học sinh hộ nghèo."),
             Raised(4, 10, "Giáo dục", "Đề nghị hỗ trợ học phí cho học sinh nghèo."),      # same meeting: not recurring
             Raised(5, 30, "Y tế", "Đề nghị nâng cấp tuyến đê biển, mùa bão nước tràn qua đê.")]   # other field
    groups = recurring_subjects(items)
    assert [[i.id for i in g] for g in groups] == [[1, 2]]
