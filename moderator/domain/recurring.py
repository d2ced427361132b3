"""Recurring subjects: the same matter raised at several meetings, found with the similarity the chair's merge
suggestions use (same field, similarity at or above the threshold), grouped transitively."""
from __future__ import annotations

from dataclasses import dataclass

from .similarity import DEFAULT_THRESHOLD, Candidate, suggest_merges


@dataclass(frozen=True)
class Raised:
    id: int
    meeting_id: int
    field: str          # the field's name: meetings have their own field rows, names are shared
    content: str


def recurring_subjects(items: list[Raised], threshold: float = DEFAULT_THRESHOLD) -> list[list[Raised]]:
    """Groups of requests saying the same thing at two meetings or more; biggest groups first."""
    field_keys: dict[str, int] = {}
    cands = [Candidate(i.id, field_keys.setdefault(i.field, len(field_keys)), i.content) for i in items]
    by_id = {i.id: i for i in items}
    parent = {i.id: i.id for i in items}

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for s in suggest_merges(cands, threshold):
        if by_id[s.a_id].meeting_id != by_id[s.b_id].meeting_id:    # within one meeting: the chair's merge
            ra, rb = root(s.a_id), root(s.b_id)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[Raised]] = {}
    for i in sorted(items, key=lambda x: x.id):
        groups.setdefault(root(i.id), []).append(i)
    out = [g for g in groups.values() if len({i.meeting_id for i in g}) >= 2]
    out.sort(key=lambda g: (-len({i.meeting_id for i in g}), -len(g), g[0].id))
    return out
