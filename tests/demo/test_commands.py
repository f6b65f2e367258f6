"""The `demo` and `loaddemo` management commands, as `guanxi demo` and `guanxi loaddemo` call them."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from guanxi.core.models import SYSTEM_USERNAME, User
from guanxi.core.roles import Role
from guanxi.customers.models import Activity, ContactPoint, Customer, Interaction
from guanxi.demo.timeline import SUBJECTS, Handler
from guanxi.demo.users import DEMO_PASSWORD, ROLE_UNITS

pytestmark = pytest.mark.django_db


def run(command: str, **options) -> str:
    out = StringIO()
    call_command(command, stdout=out, no_progress=True, **options)
    return out.getvalue()


def test_demo_creates_one_user_per_role_who_can_log_in(client):
    output = run("demo", customers=120, seed=3)
    assert Customer.objects.count() == 120
    for role, unit_code in ROLE_UNITS.items():
        user = User.objects.get(username=role.value)
        assert list(user.memberships.values_list("role__name", "org_unit__code")) == [(role, unit_code)]
        assert role.value in output
        assert client.login(request=HttpRequest(), username=role.value, password=DEMO_PASSWORD)  # axes needs one
    dealer_sees = Customer.objects.restrict(User.objects.get(username=Role.DEALER_SALES)).count()
    assert 0 < dealer_sees < 120  # the loaded customers' relationships decide who sees them
    admin = User.objects.get(username=Role.ADMIN)
    assert admin.is_superuser and admin.is_staff
    assert not User.objects.get(username=Role.AGENT).is_staff
    client.force_login(User.objects.get(username=Role.AGENT))  # on the roster: the home page shows their queue
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "My queue" in page and "not on the call-center roster" not in page


def test_every_demo_login_that_may_schedule_has_a_day_planned_once(client):
    run("demo", customers=120, seed=3)
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
    run("demo", customers=120, seed=3)
    assert Activity.objects.count() == planned


def test_the_demo_users_are_who_logged_their_units_interactions(client):
    """`demo` creates its users before loading: the call center's calls name an agent, D001's sales
    steps its sales consultant, S001's services its advisor, and the 360 page's timeline shows them.
    Units with no demo user (the other dealers and stations), and head office's campaigns, name nobody."""
    run("demo", customers=300, seed=3)
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


def test_demo_run_again_skips_what_exists_and_prints_the_logins_again():
    run("demo", customers=50, seed=3)
    people = set(User.objects.exclude(username=SYSTEM_USERNAME).values_list("username", flat=True))
    output = run("demo", customers=50, seed=3)
    assert Customer.objects.count() == 50
    assert {role.value for role in ROLE_UNITS} <= people  # a login per role (and the station's technicians)
    assert set(User.objects.exclude(username=SYSTEM_USERNAME).values_list("username", flat=True)) == people
    assert "exist already" in output and DEMO_PASSWORD in output


def test_loaddemo_tops_up_to_the_number_asked_for_and_reports_rows():
    assert "rows/s" in run("loaddemo", customers=40, seed=1)
    assert "nothing to load" in run("loaddemo", customers=40, seed=1)
    assert Customer.objects.count() == 40
    run("loaddemo", customers=70, seed=1)
    assert Customer.objects.count() == 70


def test_an_interrupted_load_run_again_ends_with_the_number_asked_for(monkeypatch):
    """Killed after its first chunk, `loaddemo --customers 100` run again holds 100 customers (it
    once ended with 100 + 100 - 30), with no phone, email or VIN twice."""
    from guanxi.demo import loader

    real_load = loader.load

    def killed_after_one_chunk(customers, seed=42, **kwargs):
        calls = {"n": 0}
        real_derive = loader.derive_from_records

        def derive_then_die(*args):
            calls["n"] += 1
            if calls["n"] == 2:
                raise KeyboardInterrupt
            real_derive(*args)

        monkeypatch.setattr(loader, "derive_from_records", derive_then_die)
        try:
            return real_load(customers, seed, chunk_size=30, **kwargs)
        finally:
            monkeypatch.setattr(loader, "derive_from_records", real_derive)

    monkeypatch.setattr(loader, "load", killed_after_one_chunk)
    with pytest.raises(KeyboardInterrupt):
        run("loaddemo", customers=100, seed=1)
    assert Customer.objects.count() == 30
    monkeypatch.setattr(loader, "load", real_load)
    run("loaddemo", customers=100, seed=1)
    assert Customer.objects.count() == 100
    for kind in ("phone", "email"):
        values = ContactPoint.objects.filter(kind=kind).values_list("normalized", flat=True)
        assert len(values) == len(set(values)), kind


def test_demo_finishes_an_interrupted_load():
    run("loaddemo", customers=30, seed=3)
    run("demo", customers=50, seed=3)
    assert Customer.objects.count() == 50
