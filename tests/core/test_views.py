"""The shell: login and logout, the menu by role, the language switch and the home dashboard."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from guanxi.core.roles import Role
from guanxi.customers import services
from tests.conftest import PASSWORD


@pytest.fixture(autouse=True)
def _fresh_dashboard_cache():
    cache.clear()
    yield
    cache.clear()


def test_login_page_and_sign_in(client, users):
    assert client.get(reverse("login")).status_code == 200
    response = client.post(reverse("login"), {"username": users[Role.DEALER_SALES].username, "password": PASSWORD})
    assert response.status_code == 302 and response.url == reverse("home")


def test_wrong_password_is_refused_with_a_message(client, users):
    response = client.post(reverse("login"), {"username": users[Role.DEALER_SALES].username, "password": "nope-nope"})
    assert response.status_code == 200 and b"alert-error" in response.content


def test_logout_is_a_post_and_returns_to_login(client, users):
    client.force_login(users[Role.ADMIN])
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response.url == reverse("login")
    assert client.get(reverse("home")).status_code == 302


def test_top_bar_names_the_user_unit_and_role(client, users):
    client.force_login(users[Role.DEALER_SALES])
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "u_dealer_sales" in page and "D-SH1" in page and "Dealer sales" in page


@pytest.mark.parametrize(
    "user_key, sees_customers", [(Role.DEALER_SALES, True), (Role.ANALYST, True), ("no_role", False)]
)
def test_menu_shows_only_what_the_role_may_open(client, users, user_key, sees_customers):
    client.force_login(users[user_key])
    page = client.get(reverse("home")).content.decode()
    assert (f'href="{reverse("customers:list")}" class="nav-item' in page) == sees_customers


def test_default_language_is_simplified_chinese_and_english_is_one_click_away(client, users):
    client.force_login(users[Role.ADMIN])
    assert "首页" in client.get(reverse("home")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})
    assert "Customers by lifecycle stage" in client.get(reverse("home")).content.decode()


def test_dashboard_counts_customers_in_scope_by_stage(client, users, customers):
    client.force_login(users[Role.DEALER_SALES])
    dealer_page = client.get(reverse("home"))
    assert dealer_page.context["total_customers"] == 1
    client.force_login(users[Role.ADMIN])
    stages = {s["code"]: s["count"] for s in client.get(reverse("home")).context["stages"]}
    assert stages["prospect"] == 3 and sum(stages.values()) == 3


def test_dashboard_figures_are_cached_so_reloads_do_not_group_the_table(
    client, users, customers, django_assert_max_num_queries
):
    client.force_login(users[Role.ADMIN])
    client.get(reverse("home"))
    # session, user, unread notifications; the cached counts of the customer base (stages, tiers,
    # provinces, spend). Read anew on every load: the My day card (counts, next activities), the
    # queue cards (the agent's row and contacts, the waiting contacts per channel, agents per
    # state) and the warranties ending soon (the first five, their count)
    with django_assert_max_num_queries(14) as captured:
        client.get(reverse("home"))
    assert not [q for q in captured.captured_queries
                if "GROUP BY" in q["sql"].upper() and "customers_customer" in q["sql"]]


def test_times_show_in_each_users_own_time_zone_and_never_the_previous_users(client, users, customers):
    zhang = customers["zhang"]
    services.add_interaction(
        users[Role.ADMIN],
        zhang.pk,
        {
            "channel": "phone",
            "direction": "in",
            "subject": "回访",
            "occurred_at": dt.datetime(2026, 1, 1, 0, 0, tzinfo=dt.UTC),
        },
    )
    berlin, unset = users[Role.AGENT], users[Role.SUPERVISOR]
    berlin.time_zone, unset.time_zone = "Europe/Berlin", ""
    berlin.save()
    unset.save()
    page = reverse("customers:detail", args=[zhang.pk])
    client.force_login(berlin)
    assert "2026-01-01 01:00" in client.get(page).content.decode()
    client.force_login(unset)  # same worker thread, next user: the site's zone (Asia/Shanghai)
    assert "2026-01-01 08:00" in client.get(page).content.decode()


def test_an_administrator_edits_memberships_and_reads_the_outbox_in_the_admin(client, users, org):
    from django.contrib.auth.models import Group

    from guanxi.core.models import User

    root = User.objects.create_superuser("root", password=PASSWORD)
    client.force_login(root)
    sales = users[Role.DEALER_SALES]
    page = client.get(reverse("admin:core_user_change", args=[sales.pk]))
    assert page.status_code == 200 and "memberships-TOTAL_FORMS" in page.content.decode()
    assert client.get(reverse("admin:core_domainevent_changelist")).status_code == 200
    group = Group.objects.get(name="dealer_sales")
    assert client.get(reverse("admin:auth_group_change", args=[group.pk])).status_code == 200


def test_an_edit_that_would_leave_no_administrator_is_refused(client, users, org):
    """The admin role is the only way to administer here: taking it from its last holder, or
    taking the power to grant roles from the role, is rolled back with an error."""
    from django.contrib.auth.models import Group, Permission

    from guanxi.core.models import Membership, administrators

    admin_user = users[Role.ADMIN]
    admin_user.is_staff = True
    admin_user.save()
    client.force_login(admin_user)
    assert list(administrators()) == [admin_user]
    membership = Membership.objects.get(user=admin_user)
    url = reverse("admin:core_user_change", args=[admin_user.pk])
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "password"}
    data.update({"groups": [], "user_permissions": [], "last_login_0": "", "last_login_1": "",
                 "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00",
                 "memberships-TOTAL_FORMS": "1", "memberships-INITIAL_FORMS": "1",
                 "memberships-MIN_NUM_FORMS": "0", "memberships-MAX_NUM_FORMS": "1000",
                 "memberships-0-id": membership.pk, "memberships-0-user": admin_user.pk,
                 "memberships-0-org_unit": org["HQ"].pk, "memberships-0-role": membership.role_id,
                 "memberships-0-DELETE": "on"})
    response = client.post(url, data, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "nobody could administer" in response.content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()

    role = Group.objects.get(name="admin")
    kept = [p.pk for p in role.permissions.exclude(codename="change_membership")]
    response = client.post(reverse("admin:auth_group_change", args=[role.pk]),
                           {"name": "admin", "permissions": kept}, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "nobody could administer" in response.content.decode()
    assert role.permissions.filter(codename="change_membership").exists()

    User = type(admin_user)
    User.objects.create_superuser("root", password=PASSWORD)  # with a second administrator it is allowed
    response = client.post(reverse("admin:auth_group_change", args=[role.pk]),
                           {"name": "admin", "permissions": kept}, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "nobody could administer" not in response.content.decode()
    assert not role.permissions.filter(codename="change_membership").exists()
    assert Permission.objects.filter(codename="change_membership").exists()


def test_an_unknown_api_path_answers_json_and_an_unknown_page_a_page_with_a_way_home(client, users):
    api = client.get("/api/no-such-thing")
    assert api.status_code == 404 and api.json() == {"detail": "没有这个页面或记录，或者您无权查看。"}
    client.force_login(users["agent"])
    page = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert page.status_code == 404 and "Not found" in text and 'href="/"' in text and "<html" in text


def test_a_role_without_the_right_gets_a_403_page_that_says_so(client, users):
    client.force_login(users["dealer_sales"])
    page = client.get("/contact-center/staffing/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 403 and "Not allowed" in page.content.decode()


@override_settings(AXES_FAILURE_LIMIT=5)
def test_sign_in_pauses_after_repeated_failures_even_for_the_right_password(client, users):
    """200 wrong passwords at about 2/s were once followed by the right one, accepted."""
    for _attempt in range(4):
        assert client.post(reverse("login"), {"username": "u_agent", "password": "wrong"}).status_code == 200
    assert client.post(reverse("login"), {"username": "u_agent", "password": "wrong"}).status_code == 429
    locked = client.post(reverse("login"), {"username": "u_agent", "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE="en")
    assert locked.status_code == 429 and "Sign-in paused" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # another user from another address is not held up by it
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.post(reverse("login"), {"username": "u_supervisor", "password": PASSWORD}).status_code == 302


@override_settings(AXES_FAILURE_LIMIT=5)
def test_one_address_trying_many_user_names_is_paused_too(users):
    sprayer = Client(REMOTE_ADDR="10.0.0.66")
    for name in ["u_agent", "u_supervisor", "u_analyst", "u_hq_sales", "u_hq_marketing"]:
        sprayer.post(reverse("login"), {"username": name, "password": "Winter2026!"})
    assert sprayer.post(reverse("login"), {"username": "u_admin", "password": PASSWORD}).status_code == 429


@override_settings(AXES_FAILURE_LIMIT=3)
def test_a_forwarded_address_counts_only_behind_the_trusted_proxies(users):
    def sign_in(forwarded_for, username):
        client = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded_for)
        return client.post(reverse("login"), {"username": username, "password": "wrong"}).status_code

    for name in ("u_a", "u_b", "u_c"):  # one address trying three user names
        sign_in("6.6.6.6, 203.0.113.9", name)
    assert sign_in("6.6.6.6, 203.0.113.9", "u_d") == 429
    # no proxy configured: a client cannot dodge the pause by writing another address in the header
    assert sign_in("7.7.7.7, 203.0.113.10", "u_e") == 429
    with override_settings(AXES_IPWARE_META_PRECEDENCE_ORDER=("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"),
                           AXES_IPWARE_PROXY_COUNT=1):  # GUANXI_TRUSTED_PROXIES=1
        for name in ("u_f", "u_g", "u_h"):
            sign_in("1.1.1.1, 203.0.113.9", name)
        assert sign_in("6.6.6.6, 203.0.113.9", "u_i") == 429  # the paused client, whatever it writes first
        assert sign_in("6.6.6.6, 203.0.113.10", "u_j") == 200  # another client behind the same proxy


def test_a_refused_page_is_logged_as_one_line_without_a_traceback(client, users, caplog):
    client.force_login(users["dealer_sales"])
    with caplog.at_level("WARNING", logger="django.request"):
        assert client.get("/contact-center/staffing/").status_code == 403
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.exc_info is None and "Forbidden" in record.getMessage()


def test_a_sign_in_lasts_a_working_day_not_two_weeks(client, users):
    client.post(reverse("login"), {"username": "u_agent", "password": PASSWORD})
    assert client.session.get_expiry_age() == 12 * 3600


@pytest.mark.parametrize("user_key", ["agent", "dealer_sales", "no_role"])
def test_users_issue_see_and_revoke_only_their_own_api_tokens(client, users, user_key):
    """Every signed-in user manages their own tokens in the UI (issue 8: expiry shown); another
    user's token is a 404 and stays."""
    from guanxi.core.models import ApiToken

    theirs, _raw = ApiToken.issue(users["admin"], "admin's")
    client.force_login(users[user_key])
    issued = client.post(reverse("api_tokens"), {"name": "电话系统", "scope": "read", "valid_days": 30},
                         HTTP_ACCEPT_LANGUAGE="en")
    text = issued.content.decode()
    token = ApiToken.objects.get(user=users[user_key])
    assert issued.status_code == 200 and issued.context["issued"].startswith(token.prefix)
    assert "shown this once" in text and "admin&#x27;s" not in text and "admin's" not in text
    shown_expiry = timezone.localtime(token.expires_at, timezone.get_default_timezone()).date()  # in Shanghai
    assert shown_expiry.strftime("%-d %b %Y") in text and (token.expires_at - token.created_at).days in (29, 30)
    assert client.post(reverse("api_tokens"), {"revoke": theirs.pk}).status_code == 404
    assert client.post(reverse("api_tokens"), {"revoke": token.pk}).status_code == 302
    assert list(ApiToken.objects.values_list("name", flat=True)) == ["admin's"]
    refused = client.post(reverse("api_tokens"), {"name": "", "scope": "root", "valid_days": 9999})
    assert refused.status_code == 422 and set(refused.context["form"].errors) == {"name", "scope", "valid_days"}


def test_a_malformed_revoke_is_a_404_not_a_server_error(client, users):
    client.force_login(users["agent"])
    assert client.post(reverse("api_tokens"), {"revoke": "abc"}).status_code == 404
