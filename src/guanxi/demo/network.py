"""The demo network as the generator sees it: plain, immutable data with the database ids.

Kept apart from orgtree.py (which reads it from the database) so that the generator
imports no Django model and can run, be tested and be timed on its own.
"""

from dataclasses import dataclass, field

from guanxi.demo.catalog import City
from guanxi.demo.timeline import Staff


@dataclass(frozen=True)
class Site:
    """A dealer or service station."""

    id: int
    code: str
    city: City
    district: str
    has_service: bool
    region_id: int
    weight: int


@dataclass(frozen=True)
class Network:
    hq_id: int
    call_center_id: int
    dealers: tuple[Site, ...]
    stations_by_region: dict[int, tuple[Site, ...]]
    staff: Staff = field(default_factory=dict)
