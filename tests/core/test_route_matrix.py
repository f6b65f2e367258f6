"""No route escapes the isolation matrices: this walks every URL pattern and every API operation
(from the router and the OpenAPI schema, not from a list kept by hand) and fails when one is not
covered by a role-by-role test.

The API's coverage is read from every declaration that inherits the generic API isolation tests
(tests/isolation.py, ApiIsolation) and from the customer API's matrix (tests/customers/test_api.py);
the customer pages' from theirs (tests/customers/test_views.py, MATRIX_PAGES) and from every
class that inherits the generic isolation tests (tests/isolation.py); every other route
names the test that checks it role by role, and that test must exist. Routes open to everyone
(login, language switch, the API's own docs) are listed with the reason.
"""

import importlib
import pkgutil
import re

import pytest
from django.urls import URLResolver, get_resolver, resolve, reverse

import tests
from guanxi.api import api
from tests.customers.test_api import ENDPOINTS as CUSTOMER_API_MATRIX
from tests.customers.test_views import MATRIX_PAGES
from tests.isolation import covered_operations, covered_routes

LEAD_LOOP = ("tests.sales.test_isolation::"
             "test_the_loops_actions_answer_what_the_scope_allows_and_refusals_change_nothing")
DEAL_STEPS = ("tests.sales.test_isolation::"
              "test_deal_steps_the_funnel_and_a_deal_from_a_lead_answer_what_the_scope_allows")
QUOTE_STEPS = ("tests.sales.test_isolation::"
               "test_quote_steps_pdf_and_the_pages_that_make_quotes_and_prices_answer_what_the_scope_allows")
ORDER_STEPS = "tests.sales.test_isolation::test_placing_signing_and_moving_orders_answer_what_the_scope_allows"
WORK_STEPS = ("tests.service.test_workshop_isolation::"
              "test_work_order_and_stock_steps_answer_what_the_scope_allows_and_refusals_change_nothing")
KNOWLEDGE_STEPS = ("tests.knowledge.test_isolation::"
                   "test_steps_versions_and_the_staff_search_answer_what_the_scope_allows")
KNOWLEDGE_PUBLIC = ("tests.knowledge.test_public::"
                    "test_the_public_search_never_returns_drafts_in_review_or_archived_articles")
TICKET_STEPS = ("tests.service.test_isolation::"
                "test_ticket_steps_entries_and_the_report_answer_what_the_scope_allows_and_refusals_change_nothing")
BOOKING_STEPS = ("tests.service.test_bookings_isolation::"
                 "test_booking_steps_slots_calendar_and_roadside_answer_what_the_scope_allows")
TEXT_REPLY = ("tests.contact_center.test_messaging::"
              "test_the_reply_endpoint_and_the_conversation_panel_answer_only_the_agent_handling_the_contact")
DASHBOARDS = ("tests.analytics.test_dashboards::"
              "test_adding_charts_the_preview_and_the_api_answer_what_the_scope_allows")
OUTBOUND = ("tests.contact_center.test_outbound::"
            "test_call_list_pages_and_endpoints_answer_what_the_role_and_scope_allow")
# (METHOD, OpenAPI path) -> the test that checks the operation for each role
API_TESTED_ELSEWHERE = {
    **dict.fromkeys((("POST", "/api/contact-center/call-lists"),
                     ("GET", "/api/contact-center/call-lists/{list_id}/entries"),
                     ("GET", "/api/contact-center/call-lists/{list_id}/next"),
                     ("POST", "/api/contact-center/call-lists/{list_id}/next"),
                     ("POST", "/api/contact-center/call-lists/entries/{entry_id}/call"),
                     ("POST", "/api/contact-center/call-lists/entries/{entry_id}/skip"),
                     ("POST", "/api/contact-center/call-lists/entries/{entry_id}/outcome")), OUTBOUND),
    ("POST", "/api/tokens"): "tests.core.test_api::test_token_lifecycle",
    ("POST", "/api/tokens/with-password"):
        "tests.core.test_api::test_a_script_gets_a_token_with_a_user_name_and_password",
    ("DELETE", "/api/tokens/{token_id}"): "tests.core.test_api::test_cannot_revoke_another_users_token",
    ("POST", "/api/contact-center/staffing"):
        "tests.contact_center.test_staffing::test_staffing_api_is_for_supervisors_analysts_and_admins",
    # signed by the PBX, not a user's: a signed-in administrator without the signature is refused too
    ("POST", "/api/contact-center/cti/events"): "tests.contact_center.test_voice::"
                                                "test_unsigned_badly_signed_stale_and_replayed_call_events_are_refused_and_change_nothing",
    ("POST", "/api/contact-center/dial"):
        "tests.contact_center.test_voice::test_the_dial_endpoint_rings_only_customers_in_the_agent_s_reach",
    # signed by the SMS provider / the WeChat adapter, not a user's
    **dict.fromkeys((("POST", "/api/contact-center/sms/events"), ("POST", "/api/contact-center/wechat/events")),
                    "tests.contact_center.test_messaging::"
                    "test_unsigned_badly_signed_and_replayed_messages_are_refused_and_file_nothing"),
    ("POST", "/api/contact-center/contacts/{contact_id}/reply"): TEXT_REPLY,
    ("GET", "/api/contact-center/kpis"):
        "tests.contact_center.test_kpis::test_the_page_and_the_api_are_for_supervisors_analysts_and_admins",
    ("GET", "/api/contact-center/wallboard"):
        "tests.contact_center.test_wallboard::test_who_may_watch_the_wallboard_and_change_skills",
    ("POST", "/api/contact-center/simulate"):
        "tests.contact_center.test_simulate::test_api_simulate_is_for_supervisors_analysts_and_admins",
    **{(method, f"/api/leads/{{pk}}/{step}"): LEAD_LOOP
       for method, step in (("POST", "assign"), ("POST", "accept"), ("POST", "reject"), ("POST", "report"),
                            ("POST", "reopen"), ("GET", "events"))},
    ("GET", "/api/lost-reasons"): LEAD_LOOP,
    ("POST", "/api/leads/bulk"): LEAD_LOOP,
    ("GET", "/api/lead-league"): LEAD_LOOP,
    ("POST", "/api/opportunities/{pk}/stage"): DEAL_STEPS,
    ("POST", "/api/opportunities/{pk}/reopen"): DEAL_STEPS,
    ("GET", "/api/opportunities/{pk}/steps"): DEAL_STEPS,
    ("GET", "/api/funnel"): DEAL_STEPS,
    ("GET", "/api/forecast-vs-target"): DEAL_STEPS,
    ("POST", "/api/quotes/{pk}/approve"): QUOTE_STEPS,
    ("POST", "/api/quotes/{pk}/answer"): QUOTE_STEPS,
    ("POST", "/api/quotes/{pk}/lines"): QUOTE_STEPS,
    ("GET", "/api/quotes/{pk}/pdf"): QUOTE_STEPS,
    ("POST", "/api/quotes/{pk}/order"): ORDER_STEPS,
    ("POST", "/api/orders/{pk}/contract"): ORDER_STEPS,
    ("POST", "/api/orders/{pk}/step"): ORDER_STEPS,
    **{("POST", f"/api/tickets/{{pk}}/{step}"): TICKET_STEPS
       for step in ("assign", "take", "reply", "note", "resume", "resolve", "close", "reopen")},
    ("GET", "/api/tickets/{pk}/entries"): TICKET_STEPS,
    ("POST", "/api/tickets/{pk}/articles"): TICKET_STEPS,
    ("GET", "/api/service-levels"): TICKET_STEPS,
    ("GET", "/api/service-reports"): TICKET_STEPS,
    ("POST", "/api/knowledge/articles/{pk}/step"): KNOWLEDGE_STEPS,
    ("GET", "/api/knowledge/articles/{pk}/versions"): KNOWLEDGE_STEPS,
    ("GET", "/api/knowledge/search"): KNOWLEDGE_STEPS,
    ("GET", "/api/knowledge/public-search"): KNOWLEDGE_PUBLIC,  # no token: published articles only
    **{("POST", f"/api/work-orders/{{pk}}/{step}"): WORK_STEPS
       for step in ("jobs", "parts", "start", "complete", "close", "cancel")},
    ("DELETE", "/api/work-orders/{pk}/parts/{line_id}"): WORK_STEPS,
    ("POST", "/api/stock/{pk}/receive"): WORK_STEPS,
    ("POST", "/api/stock/{pk}/transfer"): WORK_STEPS,
    ("POST", "/api/bookings/{pk}/status"): BOOKING_STEPS,
    ("GET", "/api/service-slots"): BOOKING_STEPS,
    ("POST", "/api/roadside-jobs"): BOOKING_STEPS,
    **dict.fromkeys((("GET", "/api/analytics/dashboards"), ("POST", "/api/analytics/dashboards"),
                     ("GET", "/api/analytics/dashboards/{pk}"), ("GET", "/api/analytics/dashboards/{parent_pk}/charts"),
                     ("POST", "/api/analytics/dashboards/{parent_pk}/charts"), ("GET", "/api/analytics/charts/{pk}"),
                     ("GET", "/api/analytics/charts/{chart_id}/data"), ("GET", "/api/analytics/catalogue")),
                    DASHBOARDS),
}
# page route -> the test that checks it for each role
PAGES_TESTED_ELSEWHERE = {
    **dict.fromkeys(("contact-center/call-lists/", "contact-center/call-lists/<int:pk>/",
                     "contact-center/call-lists/<int:pk>/work/", "contact-center/call-lists/<int:pk>/<slug:action>/",
                     "contact-center/call-lists/entries/<int:pk>/<slug:step>/"), OUTBOUND),
    "exports/new/<slug:key>/":
        "tests.core.test_exports::test_roles_without_the_export_permission_get_403_and_no_buttons",
    "exports/<int:pk>/": "tests.core.test_exports::test_a_large_export_runs_in_the_background_with_progress",
    "exports/<int:pk>/download/": "tests.core.test_exports::test_a_large_export_runs_in_the_background_with_progress",
    "notifications/": "tests.core.test_outbox::test_users_read_only_their_own_notifications_and_mark_them_read",
    "api-tokens/": "tests.core.test_views::test_users_issue_see_and_revoke_only_their_own_api_tokens",
    "second-factor/":  # the signed-in user's own authenticator only
        "tests.core.test_sign_in_policy::test_nothing_opens_before_the_code_and_the_first_code_sets_the_app_up",
    "customers/duplicates/":
        "tests.customers.test_edit_pages::test_the_duplicate_warning_names_only_customers_the_user_may_see",
    "customers/search/suggest/":
        "tests.customers.test_views::test_typeahead_suggests_only_customers_the_user_may_see",
    "customers/my-day/":  # the user's own activities only
        "tests.customers.test_activities::test_my_day_puts_urgent_and_important_first_and_flags_what_is_overdue",
    "customers/activities/<int:pk>/close/":
        "tests.customers.test_activities::test_closing_answers_what_the_scope_allows",
    "sales/leads/<int:pk>/<slug:action>/": LEAD_LOOP,
    "sales/opportunities/<int:pk>/<slug:action>/": DEAL_STEPS,
    "sales/leads/<int:lead_pk>/opportunities/add/": DEAL_STEPS,
    "sales/opportunities/<int:opportunity_pk>/activities/add/": DEAL_STEPS,
    "sales/funnel/": DEAL_STEPS,
    "sales/league/": LEAD_LOOP,
    "sales/quotes/<int:pk>/<slug:action>/": QUOTE_STEPS,
    "sales/quotes/<int:pk>/pdf/": QUOTE_STEPS,
    "sales/orders/<int:pk>/<slug:action>/": ORDER_STEPS,
    "sales/opportunities/<int:opportunity_pk>/quotes/add/": QUOTE_STEPS,
    "sales/price-lists/<int:price_list_pk>/prices/add/": QUOTE_STEPS,
    "service/tickets/<int:pk>/<slug:action>/": TICKET_STEPS,
    "service/tickets/<int:pk>/attachments/<int:entry_pk>/": TICKET_STEPS,
    "service/service-levels/": TICKET_STEPS,
    "service/reports/": TICKET_STEPS,
    "knowledge/": KNOWLEDGE_STEPS,
    "knowledge/articles/<int:pk>/<slug:action>/": KNOWLEDGE_STEPS,
    "service/work-orders/<int:pk>/<slug:action>/": WORK_STEPS,
    "service/stock/<int:pk>/<slug:action>/": WORK_STEPS,
    "service/bookings/<int:pk>/<slug:action>/": BOOKING_STEPS,
    "service/free-slots/": BOOKING_STEPS,
    "service/day-calendar/": BOOKING_STEPS,
    "service/surveys/<int:pk>/<slug:action>/": "tests.service.test_surveys::"
                                               "test_recording_answers_what_the_scope_allows_and_refusals_change_nothing",
    **dict.fromkeys(("contact-center/desktop/", "contact-center/desktop/contacts/",
                     "contact-center/desktop/contacts/<int:pk>/",
                     "contact-center/desktop/contacts/<int:pk>/<slug:action>/", "contact-center/desktop/state/"),
                    "tests.contact_center.test_desktop::"
                    "test_only_agents_on_the_roster_have_a_desktop_and_see_only_their_own_contacts"),
    **dict.fromkeys(("contact-center/desktop/contacts/<int:pk>/aids/",
                     "contact-center/desktop/contacts/<int:pk>/transfer/",
                     "contact-center/desktop/contacts/<int:pk>/consult/",
                     "contact-center/desktop/contacts/<int:pk>/new/<slug:kind>/"),
                    "tests.contact_center.test_desktop_tools::test_the_tools_are_for_the_agent_holding_the_contact_only"),
    "contact-center/desktop/conversations/<int:pk>/": TEXT_REPLY,
    "contact-center/staffing/":
        "tests.contact_center.test_staffing::test_page_is_403_and_not_in_the_menu_for_other_roles",
    "contact-center/kpis/":
        "tests.contact_center.test_kpis::test_the_page_and_the_api_are_for_supervisors_analysts_and_admins",
    **dict.fromkeys(("contact-center/wallboard/", "contact-center/wallboard/agents/<int:pk>/skills/"),
                    "tests.contact_center.test_wallboard::test_who_may_watch_the_wallboard_and_change_skills"),
    "contact-center/routing-policy/":
        "tests.contact_center.test_policy_page::test_the_editor_is_for_supervisors_and_administrators",
    "contact-center/ivr/": "tests.contact_center.test_ivr::test_the_menu_page_is_for_supervisors_and_administrators",
    "analytics/clusters/": "tests.analytics.test_clusters::test_the_clusters_page_answers_what_the_scope_allows",
    "analytics/dashboards/<int:dashboard_pk>/charts/add/": DASHBOARDS,
    "analytics/dashboards/<int:dashboard_pk>/charts/preview/": DASHBOARDS,
}
OPEN_TO_EVERYONE = {
    "login/": "signing in",
    "logout/": "signing out (POST only)",
    "i18n/setlang/": "the language switch: a cookie, no data",
    "api/openapi.json": "the API's description: no data",
    "api/docs": "the API's documentation page: no data",
    "api/": "Ninja's root: every operation below it is walked on its own",
    "sales/enquiry/": "the public enquiry form: makes a web lead (rate-limited, robots kept out), shows no data",
    "knowledge/help/": "customers' self-service search: published articles only (rate-limited)",
    "knowledge/help/<int:pk>/": "one published article for customers (404 for any other)",
    "knowledge/help/<int:pk>/helpful/": "a customer's helpful vote on a published article, once per session",
    "service/survey/<str:token>/": "a customer's satisfaction answer through a signed, expiring link: shows only the "
                                   "unit's name, takes one answer",
    "chat-demo/": "the web chat widget's demo page: the tag and how to embed it, no data",
    "contact-center/chat/socket/": "where the web chat widget's WebSocket is: an address, no data (the socket checks "
                                   "the page's origin)",
}
ADMIN_SITE = "admin/"  # Django's admin: staff only, checked by Django's own permissions


def page_routes() -> set[str]:
    routes = set()

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                routes.add(prefix + str(pattern.pattern))

    walk(get_resolver().url_patterns)
    return {route for route in routes if not route.startswith(ADMIN_SITE)}


def api_operations() -> set[tuple[str, str]]:
    schema = api.get_openapi_schema(path_prefix="/api")
    return {(method.upper(), path) for path, operations in schema["paths"].items() for method in operations}


def _openapi_path(url: str, paths: set[str]) -> str:
    url = url.split("?")[0]
    for path in paths:
        if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", path), url):
            return path
    raise AssertionError(f"{url} matches no API operation")


def _import_every_test_module() -> None:
    for module in pkgutil.walk_packages(tests.__path__, "tests."):
        importlib.import_module(module.name)


def _test_exists(reference: str) -> bool:
    module, name = reference.split("::")
    return callable(getattr(importlib.import_module(module), name, None))


def test_every_api_operation_is_in_a_matrix():
    operations = api_operations()
    paths = {path for _method, path in operations}
    covered = {(method.upper(), _openapi_path(url, paths)) for method, url, _body in CUSTOMER_API_MATRIX.values()}
    _import_every_test_module()  # so that every declaration inheriting the API isolation tests is known
    covered |= set(API_TESTED_ELSEWHERE) | covered_operations()
    missing = operations - covered
    assert not missing, f"API operations in no isolation matrix: {sorted(missing)}"
    assert all(_test_exists(ref) for ref in API_TESTED_ELSEWHERE.values())


@pytest.mark.django_db
def test_every_page_is_in_a_matrix(customers):
    covered = {resolve(reverse(name, args=args)).route for name, args in MATRIX_PAGES(customers)}
    _import_every_test_module()  # so that every class inheriting the isolation tests is known
    covered |= covered_routes() | set(PAGES_TESTED_ELSEWHERE) | set(OPEN_TO_EVERYONE)
    api_routes = {route for route in page_routes() if route.startswith("api/") and route not in OPEN_TO_EVERYONE}
    missing = page_routes() - covered - api_routes  # API routes are walked operation by operation above
    assert not missing, f"pages in no isolation matrix: {sorted(missing)}"
    assert all(_test_exists(ref) for ref in PAGES_TESTED_ELSEWHERE.values())


def test_a_route_added_without_a_matrix_row_is_caught(monkeypatch):
    """The walk reads what the API publishes, so a new operation fails the test above until it is covered."""
    schema = api.get_openapi_schema(path_prefix="/api")
    schema["paths"]["/api/unscoped-newcomer"] = {"get": {}}
    monkeypatch.setattr(api, "get_openapi_schema", lambda **kwargs: schema)
    with pytest.raises(AssertionError, match="unscoped-newcomer"):
        test_every_api_operation_is_in_a_matrix()
