"""The supervisor's wallboard page and the agent-skills editor it links to. Thin: the figures are
wallboard.wallboard's, the skills change is services.set_agent_skills'.

The page polls itself (htmx, every REFRESH_SECONDS): an htmx request gets only the live part, which carries the
charts' data; the charts themselves stay on the page and are redrawn from it (wallboard.js).
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.contact_center import services, voice, wallboard
from guanxi.contact_center.models import Agent
from guanxi.contact_center.routing.model import MAX_PROFICIENCY, MIN_PROFICIENCY
from guanxi.core.generic import form_errors_from
from guanxi.core.scoping import may, require

REFRESH_SECONDS = 5
EMPTY_SKILL_ROWS = 3


@login_required
def wallboard_page(request):
    """Queues, agents and alerts, live; supervisors and administrators (the "wallboard" permission), else 403."""
    board = wallboard.wallboard(request.user)
    for queue in board["queues"]:
        queue["longest_wait"] = wallboard.clock(queue["longest_wait_seconds"])
    for agent in board["agents"]:
        agent["in_state"] = wallboard.clock(agent["seconds_in_state"])
    chart = {
        "states": [{"state": row["state"], "name": row["label"], "value": row["agents"]} for row in board["states"]],
        "queues": [queue["label"] for queue in board["queues"]],
        "service_level": [None if q["service_level"] is None else round(q["service_level"] * 100, 1)
                          for q in board["queues"]],
        "waiting": [queue["waiting"] for queue in board["queues"]],
        "goal": round(board["service_level_goal"] * 100, 1),
        "names": {"service_level": _("Service level today"), "waiting": _("Waiting now"), "goal": _("Goal"),
                  "contacts": _("Contacts"), "percent": "%"},
    }
    context = {
        "board": board, "chart": chart, "refresh": REFRESH_SECONDS,
        "longest_wait": wallboard.clock(board["longest_wait_seconds"]),
        "goal_percent": f"{board['service_level_goal'] * 100:g}", "target": f"{board['target_seconds']:g}",
        "may_edit_skills": may(request.user, "contact_center.agent", "change"),
        "may_see_figures": may(request.user, "contact_center.staffing", "view"),
    }
    template = "contact_center/_wallboard_live.html" if request.htmx else "contact_center/wallboard.html"
    return render(request, template, context)


class SkillsForm(forms.Form):
    """An agent's skills, a row each (the skill's name and a proficiency 1-5) and a few empty rows to add more.
    A row without a name is left out, so emptying a name removes the skill."""

    def __init__(self, *args, skills: dict, **kwargs):
        super().__init__(*args, **kwargs)
        rows = sorted(skills.items())
        levels = [("", "–"), *((level, str(level)) for level in range(MIN_PROFICIENCY, MAX_PROFICIENCY + 1))]
        for i in range(len(rows) + EMPTY_SKILL_ROWS):
            name, level = rows[i] if i < len(rows) else ("", "")
            self.fields[f"skill_{i}"] = forms.CharField(
                label=gettext_lazy("Skill"), required=False, max_length=40, initial=name,
                validators=[RegexValidator(services.SKILL_NAME, gettext_lazy("One word: letters, digits, _ or -"))])
            self.fields[f"level_{i}"] = forms.TypedChoiceField(
                label=gettext_lazy("Proficiency"), required=False, choices=levels, coerce=int, empty_value=None,
                initial=level)

    def rows(self):
        """(name field, proficiency field) pairs, as the page lays them out."""
        return [(self[f"skill_{i}"], self[f"level_{i}"]) for i in range(len(self.fields) // 2)]

    def clean(self):
        skills = {}
        for i in range(len(self.fields) // 2):
            name, level = (self.cleaned_data.get(f"skill_{i}") or "").strip(), self.cleaned_data.get(f"level_{i}")
            if not name:
                continue
            if level is None:
                self.add_error(f"level_{i}", _("Choose a proficiency from %(low)s to %(high)s")
                               % {"low": MIN_PROFICIENCY, "high": MAX_PROFICIENCY})
            elif name in skills:
                self.add_error(f"skill_{i}", _("“%(skill)s” is listed twice") % {"skill": name})
            else:
                skills[name] = level
        self.cleaned_data["skills"] = skills
        return self.cleaned_data


@login_required
def agent_skills(request, pk: int):
    """Change an agent's skills: supervisors and administrators (the "change agent" permission), else 403. Saved,
    back to the wallboard; refused, the form again with each error beside its field."""
    require(request.user, "contact_center.agent", "change")
    agent = get_object_or_404(Agent.objects.select_related("user"), pk=pk)
    name = agent.user.get_full_name() or str(agent)
    form = SkillsForm(request.POST if request.method == "POST" else None, skills=agent.skills)
    if form.is_valid():
        try:
            voice.connect_offers(services.set_agent_skills(request.user, agent.pk, form.cleaned_data["skills"]))
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("%(agent)s's skills are saved.") % {"agent": name})
            return redirect("contact_center:wallboard")
    status = 422 if form.is_bound and form.errors else 200
    return render(request, "contact_center/agent_skills.html", {"name": name, "form": form}, status=status)
