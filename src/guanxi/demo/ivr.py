"""The demo's voice menu, and the last hour of callers who met it (played through the CTI path, as a PBX would),
so that the Voice menu page shows a menu in force and its containment at once."""

import datetime as dt
import random

from django.utils import timezone

from guanxi.contact_center import ivr, voice
from guanxi.contact_center.models import IvrMenuVersion
from guanxi.core.models import User
from guanxi.core.roles import Role
from guanxi.knowledge.models import Article, ArticleStatus

# the standard questions a caller may have read out (demo.knowledge's titles)
ANSWERS = ("保养周期 Maintenance interval", "首保 First free service", "胎压警告灯 Tyre pressure warning light")
CALLS = 40
# the keys callers press before hanging up, and how often: the menu answering alone (4 then 1-3), callers
# choosing a queue (2, 0; they give up there), giving up in the menu, pressing a key the menu does not have
PATHS = [(("41",), 10), (("42",), 6), (("43",), 4), ((), 5), (("9", "9", "9"), 3), (("2",), 7), (("0",), 5)]


def seed_demo_ivr(seed: int = 11) -> int:
    """The menu (once: nothing if one was saved) and the calls played; returns how many calls met the menu."""
    if IvrMenuVersion.objects.exists():
        return 0
    answers = dict(Article.objects.filter(title__in=ANSWERS, status=ArticleStatus.PUBLISHED, standard=True)
                   .values_list("title", "pk"))
    supervisor = User.objects.filter(username=Role.SUPERVISOR).first()
    if len(answers) < len(ANSWERS) or supervisor is None:
        return 0
    ivr.save_menu(supervisor, _menu(answers), "演示菜单 demo menu")
    return _callers(random.Random(seed), timezone.now())


def _menu(answers: dict[str, int]) -> dict:
    questions = {str(n): {"label": title.split(" ")[0], "article": answers[title]}
                 for n, title in enumerate(ANSWERS, start=1)}
    return {"enabled": True, "skip_tiers": ["vip"], "max_retries": 2, "menu": {
        "prompt": "欢迎致电客户服务中心。购车咨询请按1，保险与理赔请按2，金融贷款请按3，常见问题请按4，人工服务请按0。",
        "default": "0",
        "options": {
            "1": {"label": "购车咨询", "queue": "sales"},
            "2": {"label": "保险与理赔", "queue": "insurance"},
            "3": {"label": "金融贷款", "queue": "finance"},
            "4": {"label": "常见问题", "menu": {
                "prompt": "保养周期请按1，首保请按2，胎压灯请按3，人工服务请按0。",
                "options": {**questions, "0": {"label": "人工服务", "queue": ""}}}},
            "0": {"label": "人工服务", "queue": ""}}}}


def _callers(rng: random.Random, now: dt.datetime) -> int:
    paths = [path for path, weight in PATHS for _ in range(weight)]
    for n in range(CALLS):
        keys = rng.choice(paths)
        start = now - dt.timedelta(minutes=rng.uniform(5, 60))
        call_id = f"demo-ivr-{n}"
        caller = f"1391{rng.randrange(10**7):07d}"  # numbers of nobody on file
        voice.call_offered(call_id, caller, start)
        for step, digits in enumerate(keys, start=1):
            voice.keys_pressed(call_id, digits, start + dt.timedelta(seconds=8 * step))
        voice.call_ended(call_id, start + dt.timedelta(seconds=8 * len(keys) + 20))
    return CALLS
