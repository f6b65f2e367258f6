"""Knowledge search benchmark (issue 10, item 7): does the search find the article that answers a
customer's question?

50 questions written as customers ask them (most in Chinese, some in English, some mixed), each
with the demo article(s) that answer it (src/guanxi/demo/knowledge.py: 58 published articles and 3
drafts). For each database (SQLite with FTS5; PostgreSQL's tsvector, if reachable) a fresh process
migrates a new database, writes the demo articles through the services, and asks every question:

- Guanxi: `knowledge.services.search(question)`, as customers reach it (published only, close
  standard questions first): jieba words, bm25 (SQLite) or ts_rank (PostgreSQL), title weighted.
- LIKE baseline: what a search without a word index does: the published articles whose title,
  question, answer or steps contain the question as typed (icontains), else any of its
  space-separated parts; title hits first.

Figures over the top 5 results: precision@5 (relevant results among the five, divided by five:
with one or two relevant articles a question, the ceiling is printed beside it), recall@5 (share of
the relevant articles found in the five), MRR (1/rank of the first relevant one, 0 when not in the
five), answered@1 (first result relevant); ms per question is the median over --runs timed passes
of all 50 after one warm-up pass (jieba's dictionary load is not in it).

Run: ``python bench/knowledge.py [--runs 5] [--database-url postgres://postgres@127.0.0.1:5432/gx_knowledge]``
(the PostgreSQL database is created when missing and emptied first; skipped when the server is not reachable).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/gx_knowledge"

# (question, keys of the demo articles that answer it)
QUESTIONS = [
    ("我的车多久做一次保养？", ["interval"]),
    ("新车第一次保养是免费的吗", ["first_service"]),
    ("What engine oil does my car need?", ["oil"]),
    ("空调吹出来有股霉味", ["air_filter", "ac_not_cold"]),
    ("刹车油需要定期更换吗", ["brake_fluid"]),
    ("冬天到了要不要检查防冻液", ["coolant"]),
    ("车停了一个月电瓶没电了", ["battery12v", "jump_start"]),
    ("下雨天雨刮器刮不干净", ["wipers"]),
    ("做一次大保养要花多少钱", ["maintenance_cost"]),
    ("新车保修几年？", ["warranty_terms"]),
    ("买了新车刹车有严重问题可以退车吗", ["three_guarantees"]),
    ("刹车片坏了在保修范围吗", ["warranty_exclusions"]),
    ("原厂延保怎么买", ["extended_warranty"]),
    ("电动车的电池坏了保修吗", ["battery_warranty"]),
    ("仪表盘上发动机的灯亮了还能继续开吗", ["engine_light"]),
    ("red oil warning light came on", ["oil_light"]),
    ("胎压报警灯一直亮", ["tpms_light"]),
    ("仪表上刹车的红灯亮了", ["brake_light"]),
    ("开车时电瓶图标的灯亮了", ["battery_light"]),
    ("踩刹车的时候吱吱响", ["brake_noise"]),
    ("brakes squeaking when I stop", ["brake_noise"]),
    ("夏天空调不凉", ["ac_not_cold"]),
    ("等红灯的时候车身抖动厉害", ["shaking"]),
    ("轮胎气压应该打多少", ["pressure"]),
    ("what tyre pressure should I use", ["pressure"]),
    ("轮胎上扎了一颗钉子", ["puncture"]),
    ("轮胎磨到什么程度需要换新的", ["replace_tyres"]),
    ("方向盘不正车子往一边跑偏", ["rotation"]),
    ("高速上爆胎了怎么换备胎", ["spare", "roadside"]),
    ("小区里能装充电桩吗", ["home_charger"]),
    ("How do I charge my electric car?", ["charging_howto"]),
    ("快充和慢充哪个好", ["charging_howto"]),
    ("冬天电动车跑不远", ["range"]),
    ("充电枪插上了但是充不进电", ["charge_fail"]),
    ("电动车每次都要充到100%吗", ["battery_care"]),
    ("车在路上抛锚了怎么叫拖车", ["roadside"]),
    ("roadside assistance phone number", ["roadside"]),
    ("早上车子打不着火", ["jump_start"]),
    ("和别人追尾了怎么处理", ["accident", "insurance_claim"]),
    ("怎么在网上预约保养", ["booking"]),
    ("约好的保养时间想改到下周", ["cancel_booking"]),
    ("能不能派人来我家取车去保养", ["pickup"]),
    ("保养大概要等几个小时", ["waiting"]),
    ("我要投诉经销商服务态度差", ["complaint"]),
    ("我的投诉现在处理到哪一步了", ["complaint_progress"]),
    ("手机连不上车载蓝牙", ["bluetooth"]),
    ("遥控钥匙没反应了", ["key_battery"]),
    ("加92号汽油可以吗", ["fuel"]),
    ("怎么查我的车有没有召回", ["recall"]),
    ("car loan down payment", ["loan"]),
]
METHODS = ("Guanxi", "LIKE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url", default=DEFAULT_PG)
    parser.add_argument("--worker", nargs=2, metavar=("DATABASE_URL", "RUNS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return run_worker(args.worker[0], int(args.worker[1]))
    if args.runs < 3:
        parser.error("--runs: at least 3 (medians, never a single timing)")
    assert len(QUESTIONS) == 50
    load = ", ".join(f"{figure:.2f}" for figure in os.getloadavg())
    print(f"# Knowledge search benchmark\n\n{os.cpu_count()} cores, load average {load}; {len(QUESTIONS)} questions, "
          f"top 5, ms per question: median of {args.runs} passes after a warm-up\n")
    rows = []
    with tempfile.TemporaryDirectory(prefix="gx-bench-knowledge-") as scratch:
        targets = [("SQLite FTS5", f"sqlite:///{scratch}/knowledge.sqlite3")]
        if postgres_reachable(args.database_url):
            targets.append(("PostgreSQL", args.database_url))
        else:
            print(f"(PostgreSQL at {args.database_url} not reachable: SQLite only)\n")
        for label, url in targets:
            done = subprocess.run([sys.executable, __file__, "--worker", url, str(args.runs)], capture_output=True,
                                  text=True, env={**os.environ, "GUANXI_DATA_DIR": scratch})
            if done.returncode:
                raise SystemExit(f"{label}: {done.stderr[-2000:]}")
            rows.append((label, json.loads(done.stdout.strip().splitlines()[-1])))
    print_table(rows)


def print_table(rows) -> None:
    print("| database | search | P@5 (ceiling) | recall@5 | MRR | answered@1 | ms / question | P@5 ratio |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for label, figures in rows:
        baseline = figures["LIKE"]["p5"] or float("nan")
        for method in METHODS:
            f = figures[method]
            ratio = f["p5"] / baseline
            print(f"| {label} | {method} | {f['p5']:.3f} ({figures['ceiling']:.3f}) | {f['r5']:.3f} | {f['mrr']:.3f} "
                  f"| {f['at1']:.2f} | {f['ms']:.2f} | {ratio:.1f}x |")


def postgres_reachable(url: str) -> bool:
    try:
        import psycopg

        maintenance, name = url.rsplit("/", 1)
        with psycopg.connect(f"{maintenance}/postgres", autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        return True
    except Exception:  # noqa: BLE001 - any failure means: no PostgreSQL for this run
        return False


# --- one database, in its own process --------------------------------------------------------------


def run_worker(url: str, runs: int) -> None:
    os.environ.update(GUANXI_DATABASE_URL=url, GUANXI_DEBUG="0", DJANGO_SETTINGS_MODULE="guanxi.settings")
    os.environ.pop("GUANXI_TEST_DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    from guanxi.demo.knowledge import ARTICLES, seed_knowledge
    from guanxi.demo.orgtree import build_org_tree
    from guanxi.demo.users import ensure_demo_users
    from guanxi.knowledge.models import Article

    call_command("migrate", verbosity=0)
    build_org_tree()
    ensure_demo_users()
    seed_knowledge()
    by_title = dict(Article.objects.values_list("title", "pk"))
    key_pk = {key: by_title[title] for key, _category, title, *_rest in ARTICLES}
    relevant = [{key_pk[key] for key in keys} for _question, keys in QUESTIONS]
    figures = {"ceiling": statistics.mean(min(len(wanted), 5) / 5 for wanted in relevant)}
    for method, find in (("Guanxi", ours), ("LIKE", like)):
        answers = [find(question) for question, _keys in QUESTIONS]  # the warm-up pass
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            for question, _keys in QUESTIONS:
                find(question)
            times.append((time.perf_counter() - start) * 1000 / len(QUESTIONS))
        figures[method] = {**scores(answers, relevant), "ms": statistics.median(times)}
    print(json.dumps(figures))


def ours(question: str) -> list[int]:
    from guanxi.knowledge.services import search

    return [article.pk for article in search(question, None, limit=5)]


def like(question: str) -> list[int]:
    from django.db.models import Case, IntegerField, Q, Value, When

    from guanxi.knowledge.models import Article, ArticleStatus

    def containing(text):
        return Q(title__icontains=text) | Q(question__icontains=text) | Q(answer__icontains=text) | Q(
            steps__icontains=text)

    rows = Article.objects.filter(status=ArticleStatus.PUBLISHED)
    found = rows.filter(containing(question.strip()))
    parts = question.split()
    if not found.exists() and len(parts) > 1:
        anywhere, in_title = Q(), Q()
        for part in parts:
            anywhere |= containing(part)
            in_title |= Q(title__icontains=part)
        found = rows.filter(anywhere).annotate(
            first=Case(When(in_title, then=Value(0)), default=Value(1), output_field=IntegerField()))
        return list(found.order_by("first", "pk").values_list("pk", flat=True)[:5])
    return list(found.order_by("pk").values_list("pk", flat=True)[:5])


def scores(answers: list[list[int]], relevant: list[set[int]]) -> dict:
    p5, r5, rr, at1 = [], [], [], []
    for found, wanted in zip(answers, relevant):
        top = found[:5]
        hits = [pk in wanted for pk in top]
        p5.append(sum(hits) / 5)
        r5.append(sum(hits) / len(wanted))
        rr.append(next((1 / (rank + 1) for rank, hit in enumerate(hits) if hit), 0.0))
        at1.append(1.0 if hits and hits[0] else 0.0)
    return {"p5": statistics.mean(p5), "r5": statistics.mean(r5), "mrr": statistics.mean(rr),
            "at1": statistics.mean(at1)}


if __name__ == "__main__":
    main()
