"""The demo organisation: head office, four regions, 40 dealers, 10 service stations, a call center.

`build_org_tree` is idempotent (it creates only the units whose code is missing) so that
`guanxi demo` and `guanxi loaddemo` can both call it on every run. `snapshot_network`
reads the units back into plain data (network.py) with the ids the generator needs for
foreign keys, and the users of each unit who log its interactions.
"""

from django.db import transaction

from guanxi.core.models import Membership, OrgUnit, OrgUnitKind
from guanxi.core.roles import Role
from guanxi.demo.catalog import CALL_CENTER_CODE, CITIES, DEALERS, HQ_CODE, REGIONS, SERVICE_STATIONS, Outlet
from guanxi.demo.network import Network, Site
from guanxi.demo.timeline import Handler, Staff

# The roles whose members log a handler's interactions, the first role with members wins: a
# dealer's sales consultants (else its manager), a workshop's service advisors, the call center's
# agents (else its supervisor). Head office's campaigns are sent by the campaign system: no one.
HANDLER_ROLES = {
    Handler.DEALER: (Role.DEALER_SALES, Role.DEALER_MANAGER),
    Handler.SERVICE: (Role.SERVICE_ADVISOR,),
    Handler.CALL_CENTER: (Role.AGENT, Role.SUPERVISOR),
}


def _outlet_fields(outlet: Outlet, kind: str, label: str, label_en: str, parent: OrgUnit) -> dict:
    city = CITIES[outlet.city]
    return {
        "name": f"{city.name}{outlet.district}{label}",
        "name_en": f"{city.name_en} {label_en} {outlet.code}",
        "kind": kind,
        "parent": parent,
        "has_service": outlet.has_service,
        "province": city.province,
        "city": city.name,
    }


@transaction.atomic
def build_org_tree() -> dict[str, OrgUnit]:
    """Create the demo units that do not exist yet; return every demo unit by code."""
    units = {unit.code: unit for unit in OrgUnit.objects.all()}

    def ensure(code: str, **fields) -> OrgUnit:
        if code not in units:
            units[code] = OrgUnit.objects.create(code=code, **fields)
        return units[code]

    hq = ensure(HQ_CODE, name="总部", name_en="Head office", kind=OrgUnitKind.HQ, province="上海市", city="上海")
    ensure(CALL_CENTER_CODE, name="客户服务中心", name_en="Customer contact center", kind=OrgUnitKind.CALL_CENTER,
           parent=hq, province="上海市", city="上海")
    for region in REGIONS:
        ensure(region.code, name=region.name, name_en=region.name_en, kind=OrgUnitKind.REGION, parent=hq)
    for outlet in DEALERS:
        region = units[CITIES[outlet.city].region]
        ensure(outlet.code, **_outlet_fields(outlet, OrgUnitKind.DEALER, "4S店", "4S store", region))
    for outlet in SERVICE_STATIONS:
        region = units[CITIES[outlet.city].region]
        ensure(outlet.code, **_outlet_fields(outlet, OrgUnitKind.SERVICE_STATION, "服务站", "service station", region))
    return units


def snapshot_network() -> Network:
    """The demo units as plain data; the org tree must exist (build_org_tree)."""
    rows = OrgUnit.objects.in_bulk([HQ_CODE, CALL_CENTER_CODE, *(o.code for o in DEALERS + SERVICE_STATIONS)],
                                   field_name="code")

    def site(outlet: Outlet) -> Site:
        unit = rows[outlet.code]
        return Site(unit.pk, unit.code, CITIES[outlet.city], outlet.district, unit.has_service, unit.parent_id,
                    outlet.weight)

    stations: dict[int, list[Site]] = {}
    for outlet in SERVICE_STATIONS:
        station = site(outlet)
        stations.setdefault(station.region_id, []).append(station)
    return Network(
        hq_id=rows[HQ_CODE].pk,
        call_center_id=rows[CALL_CENTER_CODE].pk,
        dealers=tuple(site(outlet) for outlet in DEALERS),
        stations_by_region={region: tuple(found) for region, found in stations.items()},
        staff=_staff([unit.pk for unit in rows.values()]),
    )


def _staff(unit_ids: list[int]) -> Staff:
    """The active users of these units by the handler they log for, in id order (see HANDLER_ROLES)."""
    members: dict[tuple[int, str], list[int]] = {}
    for unit_id, role, user_id in (Membership.objects.filter(org_unit__in=unit_ids, user__is_active=True)
                                   .order_by("user_id").values_list("org_unit_id", "role__name", "user_id")):
        members.setdefault((unit_id, role), []).append(user_id)
    staff = {}
    for unit_id in unit_ids:
        for handler, roles in HANDLER_ROLES.items():
            found = next((members[unit_id, role.value] for role in roles if (unit_id, role.value) in members), None)
            if found:
                staff[unit_id, handler] = tuple(found)
    return staff
