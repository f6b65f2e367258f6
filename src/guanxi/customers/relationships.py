"""Customer ↔ org unit relationships: adding, ending and deriving them.

Visibility hangs on these rows (models.CustomerRelationship); the services call this module
whenever a change makes or ends a relationship, so the rows stay the one truth of who sees whom.
"""

from django.db import connection, transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from guanxi.core.outbox import emit
from guanxi.customers.models import Customer, CustomerRelationship, Ownership, RelationshipKind, Vehicle


def relate(customer, org_unit_id: int | None, kind: str, source: str, actor=None) -> None:
    """Adds a current relationship unless the customer has one of that kind with the unit; the
    event names `actor`, else whoever the change under way is audited under."""
    if org_unit_id is None:
        return
    with transaction.atomic():
        relationship, created = CustomerRelationship.objects.get_or_create(
            customer=customer, org_unit_id=org_unit_id, kind=kind, until__isnull=True,
            defaults={"since": timezone.now(), "source": source},
        )
        if created:
            emit("customers.relationship.added", customer, _event_payload(relationship), actor=actor)


def end(customer, kind: str, *, except_unit_id: int | None = None, only_unit_id: int | None = None,
        actor=None) -> None:
    """Ends the customer's current relationships of a kind (but the one with `except_unit_id`, or
    only the one with `only_unit_id`)."""
    current = CustomerRelationship.objects.filter(customer=customer, kind=kind, until__isnull=True)
    if only_unit_id is not None:
        current = current.filter(org_unit_id=only_unit_id)
    with transaction.atomic():
        for relationship in current.exclude(org_unit_id=except_unit_id).select_for_update():
            relationship.until = timezone.now()
            relationship.save(update_fields=["until"])
            emit("customers.relationship.ended", customer, _event_payload(relationship), actor=actor)


def _event_payload(relationship) -> dict:
    return {"org_unit_id": relationship.org_unit_id, "kind": relationship.kind, "source": relationship.source}


def set_owner_of_record(customer, actor) -> None:
    """The OWNER relationship follows `customer.home_dealer`: a new home dealer ends the old one's."""
    end(customer, RelationshipKind.OWNER, except_unit_id=customer.home_dealer_id, actor=actor)
    relate(customer, customer.home_dealer_id, RelationshipKind.OWNER, "home dealer", actor=actor)


@receiver(post_save, sender=Vehicle)
def relate_service_unit(sender, instance: Vehicle, **kwargs) -> None:
    """The unit servicing a vehicle serves its current owner: a SERVICE relationship. It stays
    when the car moves on, so the workshop keeps sight of a customer it served."""
    owner_id = instance.ownerships.filter(end_date__isnull=True).values_list("customer_id", flat=True).first()
    if instance.service_unit_id and owner_id:
        relate(Customer(pk=owner_id), instance.service_unit_id, RelationshipKind.SERVICE, "vehicle serviced")


@receiver(post_save, sender=Ownership)
def relate_new_owner_to_service_unit(sender, instance: Ownership, created: bool, **kwargs) -> None:
    if created and instance.end_date is None:
        relate_service_unit(Vehicle, instance.vehicle)


def derive_from_records(first_customer_id: int = 0, last_customer_id: int | None = None, db=connection) -> None:
    """Bulk form for loaders and the migration that introduced relationships: the home dealer of
    each customer in the id range becomes its OWNER, each unit servicing one of its current
    cars a SERVICE relationship. Plain SQL, the same on SQLite and PostgreSQL."""
    last = last_customer_id if last_customer_id is not None else 2**62
    table = "customers_customerrelationship"
    with db.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (customer_id, org_unit_id, kind, since, source) "
            "SELECT id, home_dealer_id, 'owner', created_at, 'home dealer' FROM customers_customer "
            "WHERE home_dealer_id IS NOT NULL AND id BETWEEN %s AND %s",
            [first_customer_id, last],
        )
        cursor.execute(
            f"INSERT INTO {table} (customer_id, org_unit_id, kind, since, source) "
            "SELECT o.customer_id, v.service_unit_id, 'service', MIN(c.created_at), 'vehicle serviced' "
            "FROM customers_ownership o JOIN customers_vehicle v ON v.id = o.vehicle_id "
            "JOIN customers_customer c ON c.id = o.customer_id "
            "WHERE o.end_date IS NULL AND v.service_unit_id IS NOT NULL AND o.customer_id BETWEEN %s AND %s "
            "GROUP BY o.customer_id, v.service_unit_id",
            [first_customer_id, last],
        )
