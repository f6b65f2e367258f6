"""The voice menu (IVR): "press 1 for sales, 2 for service …", run through the CTI events of voice.py.

The menu is data a supervisor edits (`check_menu` says what a valid one is; the latest saved version is in
force):

    {"enabled": true,
     "skip_tiers": ["vip"],          # these callers go straight to a person (the first voice they hear)
     "max_retries": 2,               # wrong or no keys this often, and the menu's default option is taken
     "menu": {"prompt": "Sales 1, service 2, an agent 0",
              "default": "0",        # optional; without it a caller who never chooses goes to any agent
              "options": {"1": {"label": "Sales", "queue": "sales"},
                          "2": {"label": "Service", "menu": {"prompt": "…", "options": {…}}},
                          "3": {"label": "Opening hours", "article": 12},
                          "0": {"label": "An agent", "queue": ""}}}}

An option leads to a queue (a skill, "" for any agent), to a sub-menu, or to a knowledge-base article flagged
as a standard question, whose answer the PBX reads out before the same menu again. A call is answered with
the menu (`action: menu`) or an answer to read (`action: play`) until the caller chooses a queue; from there it
is routed as any call. Every step is kept on the call's `IvrSession`, so that containment (calls the menu
answered alone) and where callers leave the menu are counted (`figures`).

Short and clear, as the domain asks: at most 4 levels and 12 options a level.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.contact_center import services
from guanxi.contact_center.models import IvrMenuVersion, IvrSession
from guanxi.core.scoping import require
from guanxi.customers.models import Customer, Tier
from guanxi.knowledge.models import Article, ArticleStatus
from guanxi.knowledge.services import count_uses

OFF = {"enabled": False}
KEYS = "123456789*0#"
MAX_DEPTH = 4
MAX_OPTIONS = 12
MAX_RETRIES = 5
PROMPT_LENGTH = 1000
LABEL_LENGTH = 60
_FIELDS = {"enabled", "skip_tiers", "max_retries", "menu"}
_MENU_FIELDS = {"prompt", "options", "default"}
_LEADS_TO = ("queue", "menu", "article")


@dataclass(frozen=True)
class ToQueue:
    """The caller chose a person: route the call for this skill ("" for any agent)."""

    skill: str


# --- the menu as data -------------------------------------------------------------------------------------------

def menu_data() -> dict[str, Any]:
    """The menu in force as data (what the editor shows): the latest saved, else off."""
    latest = IvrMenuVersion.objects.order_by("-saved_at", "-pk").values_list("data", flat=True).first()
    return OFF if latest is None else latest


def check_menu(data: Any) -> dict[str, Any]:
    """The menu as it may be saved; a ValidationError on "menu" names the place that is wrong
    ("menu.options.2.article: …"). Queues must be skills the roster has and articles published standard
    questions, so that no key leads nowhere."""
    if not isinstance(data, dict):
        raise _invalid("", _("must be an object"))
    unknown = sorted(set(data) - _FIELDS)
    if unknown:
        raise _invalid("", _("unknown fields: %(fields)s") % {"fields": ", ".join(unknown)})
    if not isinstance(data.get("enabled"), bool):
        raise _invalid("enabled", _("must be true or false"))
    if not data["enabled"]:
        return {"enabled": False}
    skip = data.get("skip_tiers", [])
    if not isinstance(skip, list) or any(tier not in Tier.values for tier in skip):
        raise _invalid("skip_tiers", _("must be a list of customer tiers (%(tiers)s)")
                       % {"tiers": ", ".join(Tier.values)})
    retries = data.get("max_retries", 2)
    if not isinstance(retries, int) or isinstance(retries, bool) or not 0 <= retries <= MAX_RETRIES:
        raise _invalid("max_retries", _("must be a whole number from 0 to %(most)s") % {"most": MAX_RETRIES})
    _check_level(data.get("menu"), "menu", 1, services.roster_skills())
    return data


def _check_level(menu: Any, where: str, depth: int, skills: set[str]) -> None:
    if depth > MAX_DEPTH:
        raise _invalid(where, _("menus go %(most)s levels deep at most") % {"most": MAX_DEPTH})
    if not isinstance(menu, dict):
        raise _invalid(where, _("must be an object with a prompt and options"))
    unknown = sorted(set(menu) - _MENU_FIELDS)
    if unknown:
        raise _invalid(where, _("unknown fields: %(fields)s") % {"fields": ", ".join(unknown)})
    prompt = menu.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip() or len(prompt) > PROMPT_LENGTH:
        raise _invalid(f"{where}.prompt", _("must be a text of 1 to %(most)s characters") % {"most": PROMPT_LENGTH})
    options = menu.get("options")
    if not isinstance(options, dict) or not 1 <= len(options) <= MAX_OPTIONS:
        raise _invalid(f"{where}.options", _("must give 1 to %(most)s keys") % {"most": MAX_OPTIONS})
    for key, option in options.items():
        _check_option(key, option, f"{where}.options.{key}", depth, skills)
    if "default" in menu and (not isinstance(menu["default"], str) or menu["default"] not in options):
        raise _invalid(f"{where}.default", _("must be one of this menu's keys"))


def _check_option(key: str, option: Any, where: str, depth: int, skills: set[str]) -> None:
    if len(key) != 1 or key not in KEYS:
        raise _invalid(where, _("a key is one of 0-9, * and #"))
    if not isinstance(option, dict):
        raise _invalid(where, _("must be an object with a label and where the key leads"))
    label = option.get("label")
    if not isinstance(label, str) or not label.strip() or len(label) > LABEL_LENGTH:
        raise _invalid(f"{where}.label", _("must be a text of 1 to %(most)s characters") % {"most": LABEL_LENGTH})
    leads = [name for name in _LEADS_TO if name in option]
    if len(leads) != 1 or set(option) - {"label", *_LEADS_TO}:
        raise _invalid(where, _("needs a label and exactly one of queue, menu or article"))
    if "menu" in option:
        _check_level(option["menu"], f"{where}.menu", depth + 1, skills)
    elif "queue" in option:
        skill = option["queue"]
        if not isinstance(skill, str) or (skill and skill not in skills):
            raise _invalid(f"{where}.queue", _("“%(skill)s” is a skill no agent on the roster has (roster: "
                                               "%(skills)s); use \"\" for any agent")
                           % {"skill": skill, "skills": ", ".join(sorted(skills)) or "–"})
    elif _standard_answer(option["article"]) is None:
        raise _invalid(f"{where}.article", _("article %(id)s is not a published standard question")
                       % {"id": option["article"]})


def _invalid(where: str, message: str) -> ValidationError:
    return ValidationError({"menu": f"{where}: {message}" if where else message})


def _standard_answer(article_id: Any) -> Article | None:
    if not isinstance(article_id, int) or isinstance(article_id, bool):
        return None
    return Article.objects.filter(pk=article_id, status=ArticleStatus.PUBLISHED, standard=True).first()


def save_menu(user, data: Any, note: str = "") -> IvrMenuVersion:
    """Put `data` in force (checked as `check_menu` does); the earlier versions stay as its history."""
    require(user, "contact_center.ivrmenuversion", "add")
    version = IvrMenuVersion(data=check_menu(data), saved_by=user, saved_at=timezone.now(), note=note)
    version.full_clean(exclude=["saved_by"])
    version.save()
    return version


def menu_history(user, limit: int = 10) -> list[IvrMenuVersion]:
    require(user, "contact_center.ivrmenuversion", "view")
    return list(IvrMenuVersion.objects.select_related("saved_by").order_by("-saved_at", "-pk")[:limit])


def outline(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The menu as nested rows for the page: key, label, where it leads (an answer by its article's title), and
    the sub-menu's rows."""
    if not data.get("enabled"):
        return []
    titles = dict(Article.objects.filter(pk__in=_articles_in(data["menu"])).values_list("pk", "title"))
    return _outline_level(data["menu"], titles)


def _articles_in(menu: dict[str, Any]) -> list[int]:
    found = []
    for option in menu["options"].values():
        found += _articles_in(option["menu"]) if "menu" in option else [option.get("article")]
    return [pk for pk in found if pk is not None]


def _outline_level(menu: dict[str, Any], titles: dict[int, str]) -> list[dict[str, Any]]:
    rows = []
    for key, option in menu["options"].items():
        row = {"key": key, "label": option["label"], "default": menu.get("default") == key}
        if "menu" in option:
            row |= {"prompt": option["menu"]["prompt"], "children": _outline_level(option["menu"], titles)}
        elif "queue" in option:
            row["queue"] = option["queue"]
        else:
            row |= {"article": option["article"], "title": titles.get(option["article"], "")}
        rows.append(row)
    return rows


def key_labels(data: dict[str, Any]) -> dict[tuple[str, str], str]:
    """Each (menu position, key) of the menu and its labels from the top ("Service › Opening hours"), to name the
    keys callers pressed."""
    labels: dict[tuple[str, str], str] = {}

    def walk(menu: dict[str, Any], node: str, above: str) -> None:
        for key, option in menu["options"].items():
            label = f"{above} › {option['label']}" if above else option["label"]
            labels[(node, key)] = label
            if "menu" in option:
                walk(option["menu"], f"{node}.{key}".lstrip("."), label)

    if data.get("enabled"):
        walk(data["menu"], "", "")
    return labels


# --- a call in the menu -----------------------------------------------------------------------------------------

def start(call_id: str, caller: str, customer: Customer | None, at: dt.datetime) -> dict | None:
    """A new call meets the menu in force: the answer for the PBX, or None when there is no menu or the caller's
    tier skips it (the call is then routed at once)."""
    version = IvrMenuVersion.objects.order_by("-saved_at", "-pk").first()
    if version is None or not version.data.get("enabled"):
        return None
    tier = services.routing_standing(customer)[0] if customer is not None else Tier.STANDARD
    if tier in version.data.get("skip_tiers", []):
        return None
    try:
        with transaction.atomic():
            session = IvrSession.objects.create(call_id=call_id, caller=caller, customer=customer, menu=version,
                                                started_at=at, path=[_step(at, "", None, "menu")])
    except IntegrityError:  # offered before: twice at once (the other request started the menu), or after the
        session = IvrSession.objects.select_related("menu", "customer").get(call_id=call_id)  # caller hung up
        if session.outcome != IvrSession.Outcome.IN_MENU:
            return _answer(session, "hangup")
    return current(session)


def session_in_menu(call_id: str, lock: bool = True) -> IvrSession | None:
    """The call's menu session while the caller is still choosing (locked for a step, inside its transaction)."""
    sessions = IvrSession.objects.select_for_update(of=("self",)) if lock else IvrSession.objects
    return (sessions.select_related("menu", "customer")
            .filter(call_id=call_id, outcome=IvrSession.Outcome.IN_MENU).first())


def current(session: IvrSession, action: str = "menu", **extra) -> dict:
    """Where the caller is: the menu to read (again), after the answer to read out (`action` "play")."""
    menu = _menu_at(session)
    return _answer(session, action, prompt=menu["prompt"],
                   options={key: option["label"] for key, option in menu["options"].items()}, **extra)


def press(session: IvrSession, digits: str, at: dt.datetime) -> dict | ToQueue:
    """Keys pressed in the menu, one after the other ("21" is 2, then 1): the next menu, an answer to read, or
    the queue the caller chose. A key the menu does not have, or `digits` "" (nothing pressed in time), counts
    as a retry; past the menu's retries its default option is taken."""
    for key in digits or "":
        options = _menu_at(session)["options"]
        if key not in options:
            return _retry(session, key, at)
        outcome = _follow(session, key, options[key], at)
        if outcome is not None:
            return outcome
    return _retry(session, None, at) if not digits else current(session)


def _follow(session: IvrSession, key: str, option: dict, at: dt.datetime) -> dict | ToQueue | None:
    """Take the option; None when the caller is now in a sub-menu (further keys are read there)."""
    session.retries = 0
    node = f"{session.node}.{key}".lstrip(".")
    if "menu" in option:
        _record(session, at, key, "menu")  # where the key was pressed
        session.node = node
        session.save(update_fields=["node"])
        return None
    if "queue" in option:
        return _to_queue(session, key, option["queue"], at)
    article = _standard_answer(option["article"])
    if article is None:  # unpublished since the menu was saved: a person answers instead
        return _to_queue(session, key, "", at, step="article_gone")
    count_uses([article.pk])
    _record(session, at, key, "answer", article=article.pk)
    return current(session, action="play", text=article.answer, title=article.title)


def _retry(session: IvrSession, key: str | None, at: dt.datetime) -> dict | ToQueue:
    session.retries += 1
    if session.retries <= session.menu.data.get("max_retries", 2):
        _record(session, at, key, "retry")
        return current(session, reprompt=True)
    menu = _menu_at(session)
    default = menu.get("default")
    if default is None:
        return _to_queue(session, key, "", at, step="no_choice")
    _record(session, at, key, "default")
    session.retries = 0
    return _follow(session, default, menu["options"][default], at) or current(session)


def _to_queue(session: IvrSession, key: str | None, skill: str, at: dt.datetime, step: str = "queue") -> ToQueue:
    _record(session, at, key, step, skill=skill)
    return ToQueue(skill)


def queued(session: IvrSession, contact) -> None:
    """The call left the menu for a queue as `contact`."""
    session.outcome, session.contact, session.ended_at = IvrSession.Outcome.QUEUED, contact, contact.arrival
    session.save(update_fields=["outcome", "contact", "ended_at"])


def hung_up(session: IvrSession, at: dt.datetime) -> dict:
    """The caller hung up in the menu: contained if the menu had answered them, else abandoned there."""
    answered = any(step["step"] == "answer" for step in session.path)
    session.outcome = IvrSession.Outcome.CONTAINED if answered else IvrSession.Outcome.ABANDONED
    session.ended_at = at
    _record(session, at, None, "hangup")
    return _answer(session, "hangup")


def _record(session: IvrSession, at: dt.datetime, key: str | None, step: str, **details) -> None:
    session.path = [*session.path, _step(at, session.node, key, step, **details)]
    session.save()


def _step(at: dt.datetime, node: str, key: str | None, step: str, **details) -> dict:
    return {"at": at.isoformat(), "node": node, "key": key, "step": step, **details}


def _menu_at(session: IvrSession) -> dict[str, Any]:
    menu = session.menu.data["menu"]
    for key in filter(None, session.node.split(".")):
        menu = menu["options"][key]["menu"]
    return menu


def _answer(session: IvrSession, action: str, **fields) -> dict:
    tier = services.routing_standing(session.customer)[0] if session.customer_id else Tier.STANDARD
    return {"call_id": session.call_id, "contact_id": None, "state": "ivr", "customer_id": session.customer_id,
            "tier": tier, "action": action} | fields


# --- what the menu did ------------------------------------------------------------------------------------------

def figures(since: dt.datetime, until: dt.datetime) -> dict[str, Any]:
    """Calls that met the menu between `since` and `until`: how they left it, the containment rate (answered by
    the menu alone, of the calls that have left it), and each key's use (how often each option was taken)."""
    sessions = IvrSession.objects.filter(started_at__gte=since, started_at__lt=until)
    outcomes = dict(sessions.order_by().values_list("outcome").annotate(Count("pk")))
    left = sum(count for outcome, count in outcomes.items() if outcome != IvrSession.Outcome.IN_MENU)
    taken: dict[tuple[str, str], int] = {}
    for path in sessions.values_list("path", flat=True).iterator(chunk_size=2000):
        for step in path:
            if step.get("key") is not None and step["step"] != "retry":
                place = (step["node"], step["key"])
                taken[place] = taken.get(place, 0) + 1
    return {
        "calls": sum(outcomes.values()),
        "outcomes": {outcome: outcomes.get(outcome, 0) for outcome in IvrSession.Outcome.values},
        "containment": (outcomes.get(IvrSession.Outcome.CONTAINED, 0) / left) if left else None,
        "keys": [{"node": node, "key": key, "calls": count}
                 for (node, key), count in sorted(taken.items(), key=lambda item: (-item[1], item[0]))],
    }
