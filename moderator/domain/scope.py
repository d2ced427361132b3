"""Who sees which meetings: an organiser of an organisation sees that organisation's meetings and those of every
organisation under it (a province sees its communes and wards); an organiser of no organisation sees the whole
installation (as before organisations existed). Meetings of no organisation are seen only by the latter."""
from __future__ import annotations


def covered(org_id: int | None, parents: dict[int, int | None]) -> set[int] | None:
    """The organisations an organiser of `org_id` covers; None means all (and meetings of none)."""
    if org_id is None:
        return None
    out = {org_id}
    changed = True
    while changed:           # descendants, whatever the depth; a cycle in the data cannot loop forever
        changed = False
        for child, parent in parents.items():
            if parent in out and child not in out:
                out.add(child)
                changed = True
    return out


def can_see(admin_org: int | None, meeting_org: int | None, parents: dict[int, int | None]) -> bool:
    scope = covered(admin_org, parents)
    return scope is None or (meeting_org is not None and meeting_org in scope)
