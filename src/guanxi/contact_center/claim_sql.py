"""The claim's reads and writes on PostgreSQL as two hand-written statements (services._claim calls them).

Why: Django compiled the candidates' UNION (a query per tier and channel, each with clauses made for the
agent's skills) for every claim and read up to a hundred rows into models, then four more statements reserved
one: two thirds of a server process's CPU per claim (bench/claims.py). Here the statement's text depends only
on the policy and the channels with room, so it is built once per process and the agent's profile goes in as
parameters; PostgreSQL ranks the candidates and hands back the best few; reserving one, logging it and
stamping the agent is one more statement. (Running it as a prepared statement was tried: PostgreSQL's CPU per
claim did not change, its time is in the execution, the rings' test on each row read.)

The engine's rule stays the one definition: the statement only narrows and orders (each ring's requirement
written out as SQL from the policy, the same arithmetic as `ExpansionStep.relax` and `RoutingPolicy.rank`),
and the claim checks each row it gets with `Requirement.is_met_by` before it reserves one. Other databases
take the ORM's path in services (SQLite's single writer is the bound there, not the statement).
"""

from __future__ import annotations

import datetime as dt
import functools
import json

from django.db import connection
from django.db.models import Q

from guanxi.contact_center.models import ContactEvent, QueuedContact
from guanxi.contact_center.routing import RoutingPolicy
from guanxi.contact_center.routing.model import MAX_PROFICIENCY

RANKED = 24  # rows handed back, best first: the claim reserves the first still waiting that the engine accepts
_TABLE = QueuedContact._meta.db_table
_COLUMNS = ", ".join(f'"{field.column}"' for field in QueuedContact._meta.concrete_fields)


def ranked_candidates(agent, channels: list[str], policy: RoutingPolicy, now: dt.datetime,
                      within_reach: Q, per_queue: int) -> list[QueuedContact]:
    """The best waiting contacts the agent may take on `channels`, best first by the policy's rank: the oldest
    `per_queue` of each tier and channel (and of those still within the target) that meet their ring, ranked."""
    reach_sql, reach_params = _where(within_reach)
    sql = _candidates_sql(_policy_key(policy), tuple(channels), reach_sql, per_queue)
    params = {"now": now, "skills": json.dumps(agent.skills), "languages": sorted(agent.languages),
              "regions": sorted(agent.regions)}
    # the scope's own placeholders are positional: they become named ones, one per part of the union
    params.update({f"reach_{i}": value for i, value in enumerate(reach_params)})
    return list(QueuedContact.objects.raw(sql, params))


def reserve_first(agent_id: int, contact_ids: list[int], now: dt.datetime, count: int) -> list[QueuedContact]:
    """Offer the agent the first `count` of `contact_ids` still waiting that no other transaction is reserving, log
    the offers and stamp the agent's last assignment, in one statement; best first, fewer (or none) if others were
    taken meanwhile."""
    rows = QueuedContact.objects.raw(_RESERVE, {"ids": contact_ids, "agent": agent_id, "now": now, "count": count,
                                                "offered": ContactEvent.Kind.OFFERED})
    return sorted(rows, key=lambda contact: contact_ids.index(contact.pk))


_RESERVE = f"""
WITH picked AS (
    SELECT id FROM {_TABLE} WHERE id = ANY(%(ids)s) AND state = 'waiting'
    ORDER BY array_position(%(ids)s, id) LIMIT %(count)s FOR UPDATE SKIP LOCKED
), offered AS (
    UPDATE {_TABLE} AS contact SET state = 'offered', offered_to_id = %(agent)s, offered_at = %(now)s
    FROM picked WHERE contact.id = picked.id RETURNING contact.*
), logged AS (
    INSERT INTO {ContactEvent._meta.db_table} (contact_id, kind, at, agent_id, data)
    SELECT id, %(offered)s, %(now)s, %(agent)s, '{{}}'::jsonb FROM offered
), stamped AS (
    UPDATE contact_center_agent SET last_assignment_at = %(now)s WHERE id = %(agent)s AND EXISTS (SELECT 1 FROM offered)
)
SELECT {_COLUMNS} FROM offered
"""


def _where(condition: Q) -> tuple[str, list]:
    """A filter on the contacts' table as SQL (the agent's scope), its placeholders named for `ranked_candidates`."""
    if not condition:
        return "TRUE", []
    query = QueuedContact.objects.filter(condition).query
    sql, params = query.get_compiler(connection=connection).compile(query.where)
    # %s → %(reach_0)s, %(reach_1)s …: named placeholders can repeat in every part of the union
    pieces = sql.split("%s")
    named = pieces[0] + "".join(f"%(reach_{i})s{piece}" for i, piece in enumerate(pieces[1:]))
    return named, list(params)


def _policy_key(policy: RoutingPolicy) -> tuple:
    """What of the policy the statement is made of, hashable: the statement is kept per policy."""
    return (tuple(policy.tier_priority.items()), policy.value_weight, policy.aging_weight,
            policy.expansion_steps, policy.service_level_target_seconds)


@functools.lru_cache(maxsize=256)
def _candidates_sql(policy_key: tuple, channels: tuple[str, ...], reach_sql: str, per_queue: int) -> str:
    tier_priority, value_weight, aging_weight, steps, target = policy_key
    waited = f'EXTRACT(EPOCH FROM (%(now)s - {_TABLE}."arrival"))'
    meets = _meets_its_ring(steps, waited)
    parts = []
    for tier, _priority in tier_priority:
        for channel in channels:
            where = ["state = 'waiting'", f"channel = {_literal(channel)}", f"tier = {_literal(tier)}",
                     meets, reach_sql]
            parts.append(_oldest(where, per_queue))
            if target is not None:
                parts.append(_oldest([*where, f"{waited} < {float(target)!r}"], per_queue))
    priority = " ".join(f"WHEN {_literal(tier)} THEN {float(p)!r}" for tier, p in tier_priority)
    candidate_waited = 'EXTRACT(EPOCH FROM (%(now)s - candidate."arrival"))'
    score = (f"(CASE candidate.tier {priority} END + {float(value_weight)!r} * candidate.value"
             f" + {float(aging_weight)!r} * {candidate_waited})")
    order = [f"{score} DESC", "candidate.arrival", "candidate.id"]
    if target is not None:  # those still within the target first
        order.insert(0, f"{candidate_waited} >= {float(target)!r}")
    union = "\nUNION ALL\n".join(f"({part})" for part in parts)
    distinct = ", ".join(clause.removesuffix(" DESC") for clause in order)
    return (f"SELECT DISTINCT ON ({distinct}) * FROM ({union}) AS candidate"
            f"\nORDER BY {', '.join(order)} LIMIT {RANKED}")


def _oldest(where: list[str], per_queue: int) -> str:
    return f"SELECT {_COLUMNS} FROM {_TABLE} WHERE {' AND '.join(where)} ORDER BY arrival, id LIMIT {int(per_queue)}"


def _meets_its_ring(steps, waited: str) -> str:
    """The requirement at the ring the contact's wait puts it in is met by the agent in the parameters: the
    rings' requirements written out (`ExpansionStep.relax` applied step by step), chosen by the ring's index."""
    cap, dropped, language_dropped, region_dropped = MAX_PROFICIENCY, frozenset(), False, False
    rings = [(cap, dropped, language_dropped, region_dropped)]
    for step in steps:
        cap = min(cap, step.min_proficiency or MAX_PROFICIENCY)
        dropped |= step.drop_skills
        language_dropped |= step.drop_language
        region_dropped |= step.drop_region
        rings.append((cap, dropped, language_dropped, region_dropped))
    ring = " + ".join(["0", *(f"({waited} >= {float(step.after_seconds)!r})::int" for step in steps)])
    cases = " ".join(f"WHEN {index} THEN {_met(*ring_)}" for index, ring_ in enumerate(rings))
    return f"(CASE {ring} {cases} END)"


def _met(cap: int, dropped: frozenset[str], language_dropped: bool, region_dropped: bool) -> str:
    requirement = f'{_TABLE}."requirement"'
    skills = (f"CASE WHEN jsonb_typeof({requirement} -> 'skills') = 'object' "
              f"THEN {requirement} -> 'skills' ELSE '{{}}'::jsonb END")
    skill_met = f"COALESCE((%(skills)s::jsonb ->> asked.key)::int, 0) >= LEAST(asked.value::int, {int(cap)})"
    if dropped:
        skill_met = f"asked.key IN ({', '.join(_literal(s) for s in sorted(dropped))}) OR {skill_met}"
    parts = [f"NOT EXISTS (SELECT 1 FROM jsonb_each_text({skills}) AS asked WHERE NOT ({skill_met}))"]
    for key, is_dropped, values in (("language", language_dropped, "languages"), ("region", region_dropped, "regions")):
        if not is_dropped:
            parts.append(f"({requirement} ->> '{key}' IS NULL OR {requirement} ->> '{key}' = ANY(%({values})s))")
    return "(" + " AND ".join(parts) + ")"


def _literal(text: str) -> str:
    """A tier, channel or skill name as an SQL string literal (quotes doubled; percent signs doubled for the
    driver's placeholders)."""
    return "'" + text.replace("'", "''").replace("%", "%%") + "'"
