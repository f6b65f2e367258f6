"""Exporting a list: the rows, filters and scope of its page, as CSV or Excel, audited; a large
export is written by the worker with progress and read only by the user who asked."""

import csv
import io

import openpyxl
import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from guanxi.core import exports
from guanxi.core.models import Export
from guanxi.core.roles import Role
from guanxi.core.tasks import run_export
from guanxi.customers import services


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content if response.streaming else [response.content]).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_a_dealer_manager_exports_only_its_own_customers_as_csv(client, users, customers):
    client.force_login(users[Role.DEALER_MANAGER])
    page = client.get(reverse("customers:list")).content.decode()
    assert reverse("export_list", args=["customers"]) + "?format=csv" in page
    response = client.get(reverse("export_list", args=["customers"]), {"format": "csv"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    header, *rows = csv_rows(response)
    assert header[0] == "Name" and [row[0] for row in rows] == ["张伟"]
    assert rows[0][1] == "Standard"  # the label, not the badge's HTML
    entry = LogEntry.objects.filter(action=LogEntry.Action.ACCESS).get()
    assert entry.actor == users[Role.DEALER_MANAGER] and entry.changes["rows"] == [None, 1]
    assert entry.additional_data["channel"] == "ui"


def test_the_export_honours_the_lists_filters(client, users, customers):
    services.update_customer(users[Role.ADMIN], customers["wang"].pk, {"tier": "vip"})
    client.force_login(users[Role.ADMIN])
    response = client.get(reverse("export_list", args=["customers"]), {"format": "csv", "tier": "vip"})
    assert [row[0] for row in csv_rows(response)[1:]] == ["王芳"]


def test_excel_export_opens_in_excel_with_numbers_as_numbers(client, users, customers):
    client.force_login(users[Role.ANALYST])
    response = client.get(reverse("export_list", args=["customers"]), {"format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert sorted(row[0] for row in rows[1:]) == ["张伟", "李娜", "王芳"]
    assert all(isinstance(row[-1], int | float) for row in rows[1:])  # lifetime spend, a number


@pytest.mark.parametrize("role", [Role.DEALER_SALES, Role.AGENT, Role.SERVICE_ADVISOR, "no_role"])
def test_roles_without_the_export_permission_get_403_and_no_buttons(client, users, customers, role):
    client.force_login(users[role])
    assert client.get(reverse("export_list", args=["customers"]), {"format": "csv"}).status_code == 403
    assert "format=csv" not in client.get(reverse("customers:list")).content.decode()


def test_bad_export_requests_are_clear_errors(client, users, customers):
    client.force_login(users[Role.ADMIN])
    assert client.get(reverse("export_list", args=["nope"]), {"format": "csv"}).status_code == 404
    assert client.get(reverse("export_list", args=["customers"]), {"format": "pdf"}).status_code == 404
    bad = client.get(reverse("export_list", args=["customers"]), {"format": "csv", "tier": "platinum"})
    assert bad.status_code == 400 and "tier" in bad.content.decode()


def test_a_large_export_runs_in_the_background_with_progress(client, users, customers, settings,
                                                             django_capture_on_commit_callbacks):
    settings.GUANXI_EXPORT_MAX_ROWS = 1
    client.force_login(users[Role.ADMIN])
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.get(reverse("export_list", args=["vehicles"]), {"format": "xlsx"})
        response = client.get(reverse("export_list", args=["customers"]), {"format": "csv"})
    export = Export.objects.get(list_key="customers")
    assert response.status_code == 302 and response.url == reverse("export", args=[export.pk])
    assert len(callbacks) == 2  # the worker is handed each export once the request commits
    progress = client.get(response.url).content.decode()
    assert "every 1s" in progress and "Download" not in progress
    run_export.call_local(export.pk)
    export.refresh_from_db()
    assert (export.state, export.rows_total, export.rows_written, export.percent) == ("done", 3, 3, 100)
    page = client.get(reverse("export", args=[export.pk])).content.decode()
    assert reverse("export_download", args=[export.pk]) in page and "every 1s" not in page
    download = client.get(reverse("export_download", args=[export.pk]))
    assert sorted(row[0] for row in csv_rows(download)[1:]) == ["张伟", "李娜", "王芳"]
    client.force_login(users[Role.HQ_SALES])  # someone else's export: as if it did not exist
    assert client.get(reverse("export", args=[export.pk])).status_code == 404
    assert client.get(reverse("export_download", args=[export.pk])).status_code == 404


def test_a_background_export_keeps_the_askers_scope(client, users, customers, settings):
    settings.GUANXI_EXPORT_MAX_ROWS = 0
    client.force_login(users[Role.DEALER_MANAGER])
    response = client.get(reverse("export_list", args=["customers"]), {"format": "csv"})
    export = Export.objects.get()
    run_export.call_local(export.pk)
    assert [row[0] for row in csv_rows(client.get(reverse("export_download", args=[export.pk])))[1:]] == ["张伟"]
    assert response.status_code == 302


def test_a_user_exports_only_where_the_role_allows_exporting(client, users, customers, org):
    """Dealer manager at D-SH1 (may export) and agent at the call center (sees all, may not export)."""
    from django.contrib.auth.models import Group

    from guanxi.core.models import Membership

    manager = users[Role.DEALER_MANAGER]
    Membership.objects.create(user=manager, org_unit=org["CC"], role=Group.objects.get(name=Role.AGENT))
    client.force_login(manager)
    assert "王芳" in client.get(reverse("customers:list")).content.decode()  # reads nationwide
    response = client.get(reverse("export_list", args=["customers"]), {"format": "csv"})
    assert [row[0] for row in csv_rows(response)[1:]] == ["张伟"]  # exports D-SH1's only


def test_the_export_takes_the_lists_dealer_filter(client, users, customers, org):
    client.force_login(users[Role.ADMIN])
    response = client.get(reverse("export_list", args=["customers"]),
                          {"format": "csv", "home_dealer": org["D-SH2"].pk})
    assert response.status_code == 200 and [row[0] for row in csv_rows(response)[1:]] == ["李娜"]


def test_cells_that_excel_would_run_or_refuse_are_made_safe(client, users, customers):
    from guanxi.customers.models import Customer

    Customer.objects.filter(pk=customers["zhang"].pk).update(name='=HYPERLINK("http://x","点我")')
    Customer.objects.filter(pk=customers["li"].pk).update(name="李\x01娜")
    client.force_login(users[Role.ADMIN])
    sheet = openpyxl.load_workbook(io.BytesIO(
        client.get(reverse("export_list", args=["customers"]), {"format": "xlsx"}).content)).active
    names = sorted(row[0] for row in list(sheet.values)[1:])
    assert names == ["'=HYPERLINK(\"http://x\",\"点我\")", "李娜", "王芳"]


def test_an_expired_or_no_longer_allowed_export_is_not_served(client, users, customers, settings):
    settings.GUANXI_EXPORT_MAX_ROWS = 0
    manager = users[Role.DEALER_MANAGER]
    client.force_login(manager)
    client.get(reverse("export_list", args=["customers"]), {"format": "csv"})
    export = Export.objects.get()
    run_export.call_local(export.pk)
    export.file_path.unlink()
    assert client.get(reverse("export_download", args=[export.pk])).status_code == 404
    run_export.call_local(export.pk)
    manager.memberships.all().delete()  # no longer a dealer manager
    assert client.get(reverse("export_download", args=[export.pk])).status_code == 403
    export.delete()
    assert not export.file_path.exists()  # the file goes with its row


def test_an_excel_export_larger_than_a_sheet_is_refused_before_any_work(client, users, customers, settings,
                                                                       monkeypatch):
    settings.GUANXI_EXPORT_MAX_ROWS = 1
    monkeypatch.setattr(exports, "EXCEL_MAX_ROWS", 2)  # a sheet's 1,048,575 rows, scaled down to the fixture
    client.force_login(users[Role.ADMIN])
    response = client.get(reverse("export_list", args=["customers"]), {"format": "xlsx"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "export as CSV" in response.content.decode()
    assert not Export.objects.exists()
    assert client.get(reverse("export_list", args=["customers"]), {"format": "csv"}).status_code == 302
