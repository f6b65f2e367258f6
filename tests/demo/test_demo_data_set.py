"""What `guanxi demo` leaves behind for the people who try it: a login per role, a planned day for each,
and interactions that name who logged them (the 300-customer demo, seed 3, loaded once for the module)."""


import pytest
from django.db.models import Count
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from guanxi.core.models import User
from guanxi.core.roles import Role
from guanxi.customers.models import Activity, Channel, Customer, Interaction
from guanxi.demo.timeline import SUBJECTS, Handler
from guanxi.demo.users import DEMO_PASSWORD, ROLE_UNITS
from tests.conftest import shared_demo
from tests.demo.test_commands import run

pytestmark = pytest.mark.django_db

demo_data, demo = shared_demo(customers=300, seed=3)


def test_demo_creates_one_user_per_role_who_can_log_in(demo, client):
    output = run("demo", customers=300, seed=3)  # run again: the logins are printed each time
    assert Customer.objects.count() == 300
    for role, unit_code in ROLE_UNITS.items():
        user = User.objects.get(username=role.value)
        assert list(user.memberships.values_list("role__name", "org_unit__code")) == [(role, unit_code)]
        assert role.value in output
        assert client.login(request=HttpRequest(), username=role.value, password=DEMO_PASSWORD)  # axes needs one
    dealer_sees = Customer.objects.restrict(User.objects.get(username=Role.DEALER_SALES)).count()
    assert 0 < dealer_sees < 300  # the loaded customers' relationships decide who sees them
    admin = User.objects.get(username=Role.ADMIN)
    assert admin.is_superuser and admin.is_staff
    assert not User.objects.get(username=Role.AGENT).is_staff
    client.force_login(User.objects.get(username=Role.AGENT))  # on the roster: the home page shows their queue
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "My queue" in page and "not on the call-center roster" not in page


def test_every_demo_login_that_may_schedule_has_a_day_planned_once(demo, client):
    today = timezone.localdate()
    for role in ROLE_UNITS:
        user = User.objects.get(username=role.value)
        mine = Activity.objects.filter(assignee=user)
        if role == Role.ANALYST:  # reads activities, plans none
            assert not mine.exists()
            continue
        due = {timezone.localtime(activity.due_at).date() for activity in mine}
        assert today in due and min(due) < today < max(due), role
        assert all(Customer.objects.restrict(user).filter(pk=a.customer_id).exists() for a in mine)
    planned = Activity.objects.count()
    run("demo", customers=300, seed=3)
    assert Activity.objects.count() == planned


def test_the_demo_users_are_who_logged_their_units_interactions(demo, client):
    """`demo` creates its users before loading: the call center's calls name an agent, D001's sales
    steps its sales consultant, S001's services its advisor, and the 360 page's timeline shows them.
    Units with no demo user (the other dealers and stations), and head office's campaigns, name nobody."""
    logged_by = dict(Interaction.objects.filter(user__isnull=False).values_list("org_unit__code")
                     .annotate(n=Count("user", distinct=True)))
    assert logged_by == {"CC": 1, "D001": 1, "S001": 1}
    assert set(Interaction.objects.filter(org_unit__code="CC").values_list("user__username", flat=True)) == {"agent"}
    dealer_steps = [subject.text for subject in SUBJECTS.values() if subject.handler == Handler.DEALER]
    at_dealer = Interaction.objects.filter(org_unit__code="D001", subject__in=dealer_steps)
    assert set(at_dealer.values_list("user__username", flat=True)) == {Role.DEALER_SALES.value}
    at_station = Interaction.objects.filter(org_unit__code="S001", user__isnull=False)
    assert set(at_station.values_list("user__username", flat=True)) == {Role.SERVICE_ADVISOR.value}
    customer = Customer.objects.annotate(n=Count("interactions")).filter(n__lte=20, pk__in=at_dealer.values(
        "customer")).first()
    client.login(request=HttpRequest(), username=Role.AGENT.value, password=DEMO_PASSWORD)
    timeline = client.get(reverse("customers:detail", args=[customer.pk]), {"timeline_page": 1}, HTTP_HX_REQUEST="true")
    assert Role.DEALER_SALES.value in timeline.content.decode()


def test_customers_who_came_by_referral_name_an_owner_of_their_dealer(demo):
    referred = Customer.objects.filter(referred_by__isnull=False).select_related("referred_by")
    assert referred.count() >= 5  # a tenth come by referral; the first of each dealer had nobody to name yet
    for customer in referred:
        assert customer.source == "referral" and customer.referred_by_id < customer.pk
        assert customer.referred_by.home_dealer_id == customer.home_dealer_id
        assert customer.referred_by.lifecycle_stage in ("owner", "loyal")


def test_owners_who_joined_their_dealer_s_club_come_to_its_events(demo):
    events = Interaction.objects.filter(channel=Channel.EVENT).select_related("customer")
    goers = {event.customer for event in events}
    owners = Customer.objects.filter(lifecycle_stage__in=("owner", "loyal"), segment="individual")
    assert 0.04 < len(goers) / owners.count() < 0.2  # about an eighth of the owners; some come to none
    for event in events:
        assert event.customer.lifecycle_stage in ("owner", "loyal")
        assert event.org_unit_id == event.customer.home_dealer_id and event.subject == "车主俱乐部活动"
        assert event.direction == "in" and event.amount is None
        assert timezone.localdate(event.occurred_at) >= event.customer.ownerships.earliest("start_date").start_date
