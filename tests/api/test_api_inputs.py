"""Bad input gets a 4xx with a clear message and changes nothing; the OpenAPI document lists every operation."""
import pytest

GOOD = {"kind": "citizen", "full_name": "Nguyễn Văn An", "phone": "0912 345 678", "address": "Xóm 2",
        "content": "Đề nghị sửa đường liên thôn.", "consent": True}


@pytest.fixture
def chair(client, demo):
    return {"X-Role-Key": demo["chair"]}


def version(client, chair):
    return client.get("/api/v1/meetings/DEMO/staff", headers=chair).get_json()["v"]


def count(client, chair):
    return len(client.get("/api/v1/meetings/DEMO/staff", headers=chair).get_json()["requests"])


DEVICE = {"X-Device-Token": "device-token-for-tests-0001"}

BAD_SUBMISSIONS = [
    ("malformed JSON", b"{not json", 400, "bad_json"),
    ("a list", b"[1,2]", 400, "bad_json"),
    ("wrong type", {**GOOD, "consent": "maybe"}, 422, "invalid"),
    ("content too long", {**GOOD, "content": "x" * 4001}, 422, "invalid"),
    ("name too long", {**GOOD, "full_name": "A" * 121}, 422, "invalid"),
    ("empty content", {**GOOD, "content": "   "}, 422, "invalid"),
    ("bad phone", {**GOOD, "phone": "12345"}, 422, "invalid"),
    ("missing phone", {**GOOD, "phone": ""}, 422, "invalid"),
    ("no consent", {**GOOD, "consent": False}, 400, "consent_required"),
    ("unknown field id", {**GOOD, "field_id": 999999}, 400, "field_unknown"),
    ("unknown property", {**GOOD, "is_admin": True}, 422, "invalid"),
    ("field id out of range", {**GOOD, "field_id": 2**40}, 422, "invalid"),
    ("field id beyond 64 bits", {**GOOD, "field_id": 2**64}, 422, "invalid"),
    ("lists nested 20,000 deep", b"[" * 20000 + b"]" * 20000, 400, "bad_json"),
    ("objects nested 5,000 deep", b'{"a":' * 5000 + b"1" + b"}" * 5000, 400, "bad_json"),
    ("bytes not UTF-8", b'{"content":"\xff\xfe"}', 400, "bad_json"),
    ("a NUL character", {**GOOD, "content": "a\x00b"}, 400, "nul_character"),
]


@pytest.mark.parametrize("label,body,status,code", BAD_SUBMISSIONS, ids=[b[0] for b in BAD_SUBMISSIONS])
def test_bad_submission_is_refused_and_changes_nothing(client, chair, label, body, status, code):
    v, n = version(client, chair), count(client, chair)
    kw = {"data": body, "content_type": "application/json"} if isinstance(body, bytes) else {"json": body}
    r = client.post("/api/v1/meetings/DEMO/requests", headers=DEVICE, **kw)
    assert r.status_code == status, r.get_json()
    err = r.get_json()["error"]
    assert err["code"] == code and err["message"]
    assert version(client, chair) == v and count(client, chair) == n


@pytest.mark.parametrize("request_id", [2**31, 2**63, 2**64, 10**40])
def test_ids_no_row_can_have_are_404_before_the_database(client, chair, request_id):
    v = version(client, chair)
    r = client.post(f"/api/v1/meetings/DEMO/requests/{request_id}/accept", headers=chair, json={})
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found"
    r = client.patch(f"/api/v1/meetings/DEMO/mine/{request_id}", headers=DEVICE, json={"content": "x"})
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found"
    assert version(client, chair) == v


@pytest.mark.parametrize("query", [b"limit=\xff\xfe", b"limit=%ff", b"lang=%c3%28"])
def test_a_query_string_that_is_not_utf8_is_400(client, chair, query):
    r = client.get("/api/v1/meetings/DEMO/audit", headers=chair,
                   environ_overrides={"QUERY_STRING": query.decode("latin-1")})   # WSGI carries bytes as latin-1
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "bad_encoding"


def test_messages_are_vietnamese_by_default_and_english_on_request(client, demo):
    r = client.post("/api/v1/meetings/DEMO/requests", headers=DEVICE, json={**GOOD, "phone": "12345"})
    assert "Số điện thoại" in r.get_json()["error"]["fields"]["phone"]
    client.set_cookie("lang", "en")
    r = client.post("/api/v1/meetings/DEMO/requests", headers=DEVICE, json={**GOOD, "phone": "12345"})
    assert "phone" in r.get_json()["error"]["fields"]["phone"].lower()


def test_unknown_meeting_is_404(client):
    r = client.get("/api/v1/meetings/NOPE7/public")
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "meeting_not_found"


def test_illegal_transition_is_409_naming_the_rule(client, chair, demo):
    staff = client.get("/api/v1/meetings/DEMO/staff", headers=chair).get_json()
    rid = staff["requests"][0]["id"]
    v = staff["v"]
    r = client.post(f"/api/v1/meetings/DEMO/floor/call", headers=chair, json={"request_id": rid})
    assert r.status_code == 409
    err = r.get_json()["error"]
    assert err["code"] == "illegal_transition" and "accepted" in err["message"]
    assert version(client, chair) == v


def test_stale_reorder_is_409_and_the_client_refetches(client, chair):
    staff = client.get("/api/v1/meetings/DEMO/staff", headers=chair).get_json()
    ids = [r["id"] for r in staff["requests"][:3]]
    for rid in ids:
        assert client.post(f"/api/v1/meetings/DEMO/requests/{rid}/accept", headers=chair, json={}).status_code == 200
    v = version(client, chair)
    r = client.put("/api/v1/meetings/DEMO/queue", headers=chair, json={"order": ids[::-1], "version": v - 1})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "stale_version"
    assert r.get_json()["error"]["version"] == v
    assert client.put("/api/v1/meetings/DEMO/queue", headers=chair,
                      json={"order": ids[::-1], "version": v}).status_code == 200


def test_oversize_body_is_refused_cheaply(client):
    r = client.post("/api/v1/meetings/DEMO/requests", headers=DEVICE, data=b"x" * (200 * 1024),
                    content_type="application/json")
    assert r.status_code == 413


def test_cookie_writes_need_the_csrf_token(client, demo):
    client.get("/j/DEMO")                       # the phone gets its device cookie
    r = client.post("/api/v1/meetings/DEMO/requests", json=GOOD)
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "csrf"
    token = client.get("/api/v1/csrf").get_json()["csrf_token"]
    r = client.post("/api/v1/meetings/DEMO/requests", json=GOOD, headers={"X-CSRF-Token": token})
    assert r.status_code == 201


def test_idempotent_retries_create_one_request(client, chair):
    n = count(client, chair)
    body = {**GOOD, "idempotency_key": "retry-abc"}
    codes = [client.post("/api/v1/meetings/DEMO/requests", headers=DEVICE, json=body).status_code for _ in range(5)]
    assert codes == [201, 200, 200, 200, 200]
    assert count(client, chair) == n + 1


def test_openapi_lists_every_operation(client, app):
    doc = client.get("/api/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    import re
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in documented, (path, method)
    submit = doc["paths"]["/api/v1/meetings/{code}/requests"]["post"]
    schema = doc["components"]["schemas"][submit["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                                          .rsplit("/", 1)[1]]
    assert schema["properties"]["content"]["maxLength"] == 4000


def test_healthz_reports_database_and_queue(client):
    body = client.get("/healthz").get_json()
    assert body["database"] == "ok" and body["message_queue"] == "off"


def test_an_empty_idempotency_key_is_no_key(client, chair):
    n = count(client, chair)
    for _ in range(2):
        r = client.post("/api/v1/meetings/DEMO/requests", headers=DEVICE, json={**GOOD, "idempotency_key": ""})
        assert r.status_code == 201
    assert count(client, chair) == n + 2


@pytest.mark.parametrize("action", ["quarantine", "release"])
@pytest.mark.parametrize("request_id", [0, 2**31, 10219886788545058126692352])
def test_quarantine_of_an_impossible_id_is_not_found(client, chair, action, request_id):
    before = version(client, chair)
    r = client.post(f"/api/v1/meetings/DEMO/sources/{request_id}/{action}", headers=chair)
    # An id no row can have is refused by the route itself (RowIdConverter) before any lookup.
    expected = "request_not_found" if request_id < 2**31 else "not_found"
    assert r.status_code == 404 and r.get_json()["error"]["code"] == expected
    if expected == "request_not_found":
        assert r.get_json()["error"]["message"] == "Không tìm thấy phiếu ý kiến."
    assert version(client, chair) == before


def test_quarantine_of_a_paper_form_says_it_has_no_source(client, chair):
    paper = client.post("/api/v1/meetings/DEMO/paper", headers=chair,
                        json={"full_name": "Lê Thị B", "content": "Phiếu giấy", "source": "paper"}).get_json()
    before = version(client, chair)
    r = client.post(f"/api/v1/meetings/DEMO/sources/{paper['id']}/quarantine", headers=chair)
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "no_source"
    assert "không gửi từ điện thoại" in r.get_json()["error"]["message"]
    assert version(client, chair) == before
