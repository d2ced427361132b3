"""The one change path, on SQLite and on PostgreSQL: commit, audit row, version +1, then publish — and nothing
published (or committed) when a rule refuses the change."""
import pytest
from sqlalchemy import func, select

from moderator.db.migrate import upgrade
from moderator.db.models import AuditLog, Meeting, Request
from moderator.domain.enums import Role, Source, SubmitterKind
from moderator.domain.errors import DomainError, IllegalTransition
from moderator.services import floor, meetings, requests as reqs
from moderator.services.runtime import Runtime
from moderator.services.uow import Actor, SYSTEM

CHAIR = Actor(Role.CHAIR, "chair")
PHONE = Actor(Role.DELEGATE, "dev", device_hash="d" * 64)


class Recorder:
    def __init__(self):
        self.published = []

    def publish(self, change):
        self.published.append(change)


@pytest.fixture(params=["sqlite", "postgresql"])
def runtime(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'm.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    rt = Runtime.from_url(url, Recorder())
    upgrade(rt.engine)
    meetings.create_meeting(rt, SYSTEM, meetings.MeetingSpec(title="Đối thoại thử", code="TEST"))
    yield rt
    rt.engine.dispose()


def version(rt):
    with rt.read() as s:
        return s.scalar(select(Meeting.version).where(Meeting.code == "TEST"))


def new(content="Đề nghị sửa đường liên thôn", key=None):
    return reqs.NewRequest(kind=SubmitterKind.CITIZEN, full_name="Nguyễn Văn A", content=content,
                           phone="0912 345 678", address="Xóm 1", consent=True, idempotency_key=key)


def test_each_change_commits_audits_bumps_version_then_publishes(runtime):
    v0 = version(runtime)
    req, created = reqs.submit(runtime, "test", PHONE, new())
    assert created and req.phone == "0912345678"
    assert version(runtime) == v0 + 1
    reqs.decide(runtime, "TEST", CHAIR, req.id, reqs.Decision("accept"))
    assert version(runtime) == v0 + 2
    pub = runtime.publisher.published
    assert [c.version for c in pub] == [v0 + 1, v0 + 2]
    assert pub[-1].action == "accept" and req.id in pub[-1].request_ids
    with runtime.read() as s:
        audit = s.scalars(select(AuditLog).where(AuditLog.action == "accept")).one()
        assert audit.role == "chair" and audit.actor == "chair:chair" and audit.version == v0 + 2
        assert audit.before["requests"][str(req.id)]["status"] == "submitted"
        assert audit.after["requests"][str(req.id)]["status"] == "accepted"
        # Personal data never goes into the audit log.
        assert "0912345678" not in str(audit.before) + str(audit.after)


def test_refused_change_commits_nothing_and_publishes_nothing(runtime):
    req, _ = reqs.submit(runtime, "TEST", PHONE, new())
    v = version(runtime)
    n = len(runtime.publisher.published)
    with pytest.raises(IllegalTransition):
        floor.call(runtime, "TEST", CHAIR, req.id)       # not accepted yet: the rule refuses
    with pytest.raises(DomainError):
        reqs.decide(runtime, "TEST", CHAIR, req.id, reqs.Decision("decline", reason=""))
    assert version(runtime) == v
    assert len(runtime.publisher.published) == n
    with runtime.read() as s:
        assert s.get(Request, req.id).status == "submitted"
        assert s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "call")) == 0


def test_rollback_mid_change_leaves_no_trace(runtime):
    """A rule that fails after some rows already changed rolls back every one of them."""
    a, _ = reqs.submit(runtime, "TEST", PHONE, new("một"))
    b, _ = reqs.submit(runtime, "TEST", PHONE, new("hai"))
    c, _ = reqs.submit(runtime, "TEST", PHONE, new("ba"))
    reqs.withdraw_own(runtime, "TEST", PHONE, c.id)
    v = version(runtime)
    n = len(runtime.publisher.published)
    with pytest.raises(IllegalTransition):
        reqs.merge(runtime, "TEST", CHAIR, a.id, [b.id, c.id])   # b merges, then c (withdrawn) cannot
    assert version(runtime) == v and len(runtime.publisher.published) == n
    with runtime.read() as s:
        assert s.get(Request, b.id).status == "submitted" and s.get(Request, b.id).merged_into_id is None


def test_idempotent_submission_creates_exactly_one(runtime):
    first, created = reqs.submit(runtime, "TEST", PHONE, new(key="k-1"))
    again, created_again = reqs.submit(runtime, "TEST", PHONE, new(key="k-1"))
    assert created and not created_again and again.id == first.id
    with runtime.read() as s:
        assert s.scalar(select(func.count()).select_from(Request)) == 1


def test_full_floor_cycle_and_undo(runtime):
    r1, _ = reqs.submit(runtime, "TEST", PHONE, new("một"))
    r2, _ = reqs.submit(runtime, "TEST", Actor(Role.DELEGATE, "x", device_hash="e" * 64), new("hai"))
    for r in (r1, r2):
        reqs.decide(runtime, "TEST", CHAIR, r.id, reqs.Decision("accept"))
    reqs.move(runtime, "TEST", CHAIR, r2.id, "top")
    called = floor.call(runtime, "TEST", CHAIR)
    assert called.id == r2.id
    floor.start(runtime, "TEST", CHAIR)
    floor.extend(runtime, "TEST", CHAIR, 60)
    ended = floor.end(runtime, "TEST", CHAIR)
    with runtime.read() as s:
        assert s.get(Request, ended.id).status == "answered"
        m = s.scalars(select(Meeting)).one()
        assert m.floor_request_id is None and m.status == "live"
    assert meetings.undo_last(runtime, "TEST", CHAIR) == "end"
    with runtime.read() as s:
        assert s.get(Request, r2.id).status == "speaking"
        assert s.scalars(select(Meeting)).one().floor_request_id == r2.id


def test_stale_version_is_refused(runtime):
    r, _ = reqs.submit(runtime, "TEST", PHONE, new())
    reqs.decide(runtime, "TEST", CHAIR, r.id, reqs.Decision("accept"))
    with pytest.raises(DomainError) as e:
        reqs.reorder(runtime, "TEST", CHAIR, [r.id], expected_version=version(runtime) - 1)
    assert e.value.code == "stale_version"
