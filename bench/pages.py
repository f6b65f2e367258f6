"""List and 360 pages at scale: what a user waits for, beside the raw keyset query underneath.

Runs against a database already loaded by `python bench/lookup.py` (3,000,000 customers by
default) through Django's test client in this process: the figure is the server's time to build
the page (queries, scoping, rendering), without the network. Each page is fetched once to warm up
(templates compiled, the database's buffers and the home page's cached figures filled, as on a
server that has been running), then --repeat times;
the table shows the median and the slowest fetch, the raw SQL keyset page (the physical floor)
and the ratio; a page meets the budget when its slowest fetch does.

    python bench/pages.py [--database-url postgresql://postgres@127.0.0.1:5432/gx_bench_lookup]
"""

import argparse
import os
import statistics
import tempfile
import time

PAGES = [
    ("customer list, first page", "agent", "/customers/"),
    ("customer list, page 50", "agent", "/customers/?page=50"),
    ("filter tier = VIP", "agent", "/customers/?tier=vip"),
    ("filter stage = loyal", "agent", "/customers/?lifecycle_stage=loyal"),
    ("name prefix 王", "agent", "/customers/?q=王"),
    ("sort by name", "agent", "/customers/?sort=name"),
    ("sort by lifetime spend", "agent", "/customers/?sort=-lifetime_spend"),
    ("vehicle list", "agent", "/customers/vehicles/"),
    ("global search 王伟", "agent", "/customers/search/?q=王伟"),
    ("search by phone's last 4 digits", "agent", "/customers/search/?q=8000"),
    ("search by VIN's last 6", "agent", "/customers/search/?q=000123"),
    ("dealer: search last 4 digits", "dealer", "/customers/search/?q=8000"),
    ("search by pinyin wangwei", "agent", "/customers/search/?q=wangwei"),
    ("search by pinyin Li Na", "agent", "/customers/search/?q=Li+Na"),
    ("search by initials zw", "agent", "/customers/search/?q=zw"),
    ("search by given name 秀英", "agent", "/customers/search/?q=秀英"),
    ("dealer: search by pinyin", "dealer", "/customers/search/?q=wangwei"),
    ("dealer: My day (300 open)", "dealer", "/customers/my-day/"),
    ("dealer: home page", "dealer", "/"),
    ("dealer: home, figures anew", "dealer", "/"),
    ("agent: home page", "agent", "/"),
    ("head office: home page", "marketing", "/"),
    ("head office: home, figures anew", "marketing", "/"),
    ("agent: typeahead wangw", "agent", "POST /customers/search/suggest/ q=wangw"),
    ("agent: typeahead 8000", "agent", "POST /customers/search/suggest/ q=8000"),
    ("customer 360 page", "agent", "/customers/{customer}/"),
    ("interaction list", "agent", "/customers/interactions/"),
    ("dealer: customer list", "dealer", "/customers/"),
    ("dealer: filter stage = loyal", "dealer", "/customers/?lifecycle_stage=loyal"),
    ("dealer: sort by name", "dealer", "/customers/?sort=name"),
    ("dealer: sort by spend", "dealer", "/customers/?sort=-lifetime_spend"),
    ("dealer: customer 360 page", "dealer", "/customers/{dealer_customer}/"),
    ("dealer: vehicle list", "dealer", "/customers/vehicles/"),
    ("dealer: interaction list", "dealer", "/customers/interactions/"),
    ("dealer: consent list", "dealer", "/customers/consents/"),
    ("dealer: contact-point list", "dealer", "/customers/contact-points/"),
    ("dealer: opted-out numbers", "dealer", "/customers/contact-points/?kind=phone&opted_out=true"),
]
BUDGET_MS = 100.0  # a list page a user does not notice waiting for
# the home page's figures are cached a minute per scope: these fetches clear the cache first, as
# the first user of a scope in each minute finds it
ANEW = "figures anew"


OPEN_ACTIVITIES = 300  # a busy salesperson's open follow-ups


def busy_salesperson(user) -> None:
    """Gives the dealer's bench user OPEN_ACTIVITIES open activities on its customers, due from
    a week ago to two months ahead (once: a later run finds them)."""
    import datetime as dt

    from django.utils import timezone

    from guanxi.customers.models import Activity, Customer

    missing = OPEN_ACTIVITIES - Activity.objects.filter(assignee=user, state="open").count()
    customers = list(Customer.objects.restrict(user).order_by("-id").values_list("id", flat=True)[:missing])
    now = timezone.now()
    Activity.objects.bulk_create(
        Activity(summary=f"回访 {n}", kind="call", customer_id=customer, assignee=user,
                 org_unit_id=user.primary_unit_id, due_at=now + dt.timedelta(hours=n * 5 - 168),
                 important=n % 3 == 0, urgent=n % 7 == 0)
        for n, customer in enumerate(customers)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/gx_bench_lookup")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    os.environ["GUANXI_DATABASE_URL"] = args.database_url
    os.environ.setdefault("GUANXI_DATA_DIR", tempfile.mkdtemp(prefix="gx-bench-pages-"))
    os.environ["GUANXI_ALLOWED_HOSTS"] = "testserver"
    os.environ["DJANGO_SETTINGS_MODULE"] = "guanxi.settings"
    import django

    django.setup()
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    from guanxi.core.models import OrgUnit, User
    from guanxi.customers.models import Customer

    total = Customer.objects.order_by().count()
    hq, dealer_unit = OrgUnit.objects.get(code="CC"), OrgUnit.objects.get(code="D001")
    clients = {}
    roles = {"agent": ("agent", hq), "dealer": ("dealer_sales", dealer_unit),
             "marketing": ("hq_marketing", OrgUnit.objects.get(code="HQ"))}
    for role, (group, unit) in roles.items():
        user = User.objects.filter(username=f"bench-pages-{role}").first() or User.objects.create_user(
            f"bench-pages-{role}", role=group, org_unit=unit
        )
        clients[role] = Client()
        clients[role].force_login(user)
        if role == "dealer":
            busy_salesperson(user)
    customer = Customer.objects.order_by("-id").values_list("id", flat=True)[1000]
    dealer_customer = (
        Customer.objects.filter(home_dealer=dealer_unit).order_by("-id").values_list("id", flat=True)[100]
    )

    def timings_ms(action) -> list[float]:
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            action()
            times.append((time.perf_counter() - start) * 1000)
        return times

    def median_ms(action) -> float:
        return statistics.median(timings_ms(action))

    def keyset_page():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, name FROM customers_customer WHERE id < %s ORDER BY id DESC LIMIT 51", [customer + 1000]
            )
            cursor.fetchall()

    floor = median_ms(keyset_page)
    print(f"\n{total:,} customers; medians of {args.repeat}; raw keyset page (the floor): {floor:.2f} ms\n")
    print(f"{'page':28s} | {'status':>6s} | {'Guanxi ms':>9s} | {'slowest':>7s} | {'floor ms':>8s} | {'ratio':>6s} "
          f"| {'budget':>6s} | met")
    print("-" * 28 + "-|--------|-----------|---------|----------|--------|--------|----")
    def fetch(label: str, client, url: str) -> int:
        if ANEW in label:
            cache.clear()
        if url.startswith("POST "):
            path, field = url.removeprefix("POST ").split(" ")
            return client.post(path, dict([field.split("=")])).status_code
        return client.get(url).status_code

    for label, who, url in PAGES:
        url = url.format(customer=customer, dealer_customer=dealer_customer)
        statuses = [fetch(label, clients[who], url)]  # once untimed: compiled templates, warm buffers
        times = timings_ms(lambda: statuses.append(fetch(label, clients[who], url)))
        ms, slowest = statistics.median(times), max(times)
        met = "yes" if slowest <= BUDGET_MS and set(statuses) == {200} else "NO"  # every fetch within it
        ratio = ms / floor
        print(f"{label:28s} | {statuses[-1]:>6d} | {ms:9.1f} | {slowest:7.1f} | {floor:8.2f} | {ratio:5.0f}x "
              f"| {BUDGET_MS:6.0f} | {met}")


if __name__ == "__main__":
    main()
