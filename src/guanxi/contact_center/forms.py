"""The staffing page's form (volumes as a supervisor types them, targets in percent) and the routing
policy editor's."""

import json
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from guanxi.contact_center.planning import MAX_INTERVALS, MAX_VOLUME

# A car brand's customer hotline on a weekday, 8:00-20:00 in 30-minute intervals: the morning peak
# after opening (service bookings, roadside questions), a lunch dip, a smaller afternoon peak.
SAMPLE_DAY = [
    60,
    85,
    120,
    150,
    165,
    160,
    145,
    120,
    95,
    90,
    110,
    135,
    150,
    155,
    150,
    140,
    130,
    120,
    105,
    90,
    75,
    60,
    45,
    35,
]

_SEPARATORS = re.compile(r"[\s,，;；、]+")


class VolumesField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 3, "spellcheck": "false"})

    def to_python(self, value):
        text = super().to_python(value)
        parts = [p for p in _SEPARATORS.split(text) if p]
        if not parts:
            raise ValidationError(_("Enter at least one volume."))
        if len(parts) > MAX_INTERVALS:
            raise ValidationError(_("At most %(max)d intervals.") % {"max": MAX_INTERVALS})
        volumes = []
        for i, part in enumerate(parts, start=1):
            try:
                number = float(part)
            except ValueError:
                raise ValidationError(
                    _("Interval %(n)d: “%(text)s” is not a number.") % {"n": i, "text": part}
                ) from None
            if not 0 <= number <= MAX_VOLUME:
                raise ValidationError(
                    _("Interval %(n)d: the volume must be between 0 and %(max)d.") % {"n": i, "max": MAX_VOLUME}
                )
            volumes.append(number)
        return volumes


class StaffingForm(forms.Form):
    volumes = VolumesField(
        label=_("Contacts per interval"), help_text=_("One number per interval, separated by commas or spaces.")
    )
    start = forms.TimeField(
        label=_("First interval starts at"),
        initial="08:00",
        widget=forms.TimeInput(format="%H:%M", attrs={"inputmode": "numeric", "placeholder": "08:00"}),
    )
    interval_minutes = forms.TypedChoiceField(
        label=_("Interval"),
        coerce=int,
        initial=30,
        choices=[(15, _("15 minutes")), (30, _("30 minutes")), (60, _("60 minutes"))],
    )
    aht_seconds = forms.FloatField(label=_("Average handle time (s)"), initial=180, min_value=1, max_value=24 * 3600)
    target_answer_seconds = forms.FloatField(label=_("Answer within (s)"), initial=20, min_value=0, max_value=24 * 3600)
    target_percent = forms.FloatField(label=_("Service level target (%)"), initial=80, min_value=1, max_value=99.9)
    max_occupancy_percent = forms.FloatField(label=_("Maximum occupancy (%)"), initial=85, min_value=1, max_value=100)
    shrinkage_percent = forms.FloatField(label=_("Shrinkage (%)"), initial=30, min_value=0, max_value=95)
    patience_seconds = forms.FloatField(
        label=_("Mean patience (s)"),
        required=False,
        min_value=1,
        max_value=24 * 3600,
        help_text=_("Optional: with it, Erlang A counts callers who hang up."),
    )

    def plan_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "volumes": data["volumes"],
            "interval_minutes": data["interval_minutes"],
            "aht_seconds": data["aht_seconds"],
            "target_answer_seconds": data["target_answer_seconds"],
            "target_service_level": data["target_percent"] / 100,
            "max_occupancy": data["max_occupancy_percent"] / 100,
            "shrinkage": data["shrinkage_percent"] / 100,
            "patience_seconds": data["patience_seconds"],
        }


class SavePlanForm(forms.Form):
    """Save the plan on the staffing page as a day's plan, which the figures page then sets the day beside."""

    day = forms.DateField(label=_("Plan for"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


def initial_data() -> dict:
    """The form as first shown: the sample day, 80 % in 20 s, 85 % occupancy cap, 30 % shrinkage."""
    data = {name: field.initial for name, field in StaffingForm.base_fields.items() if field.initial is not None}
    data["volumes"] = ", ".join(str(v) for v in SAMPLE_DAY)
    return data


class PolicyForm(forms.Form):
    """The routing policy editor: the policy as JSON, and the scenario its dry run simulates before it is saved
    (by default the issue's reference case: 14 agents, 100 contacts per 30 minutes, one caller in five a VIP,
    over a day, so that queues form as they do at a peak and not only as an empty center fills up)."""

    policy = forms.CharField(
        label=_("Policy (JSON)"), widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "false", "class": "mono"}),
        help_text=_("A JSON object: tier_priority (a number for each customer tier: vip, gold, silver, standard), "
                    "aging_weight and fallback; optionally value_weight, expansion_steps, "
                    "service_level_target_seconds, preferred_agent_window_seconds, agent_choice and "
                    "reservation_timeout_seconds."),
    )
    note = forms.CharField(label=_("Why this change"), max_length=200, required=False)
    agents = forms.IntegerField(label=_("Agents"), initial=14, min_value=1, max_value=2_000)
    calls_per_interval = forms.FloatField(label=_("Contacts per 30 minutes"), initial=100, min_value=0,
                                          max_value=10_000)
    hours = forms.FloatField(label=_("Hours simulated"), initial=24, min_value=0.5, max_value=72)
    share_vip = forms.FloatField(label=_("VIP (%)"), initial=20, min_value=0, max_value=100)
    share_gold = forms.FloatField(label=_("Gold (%)"), initial=0, min_value=0, max_value=100)
    share_silver = forms.FloatField(label=_("Silver (%)"), initial=0, min_value=0, max_value=100)
    share_standard = forms.FloatField(label=_("Standard (%)"), initial=80, min_value=0, max_value=100)
    checked = forms.CharField(widget=forms.HiddenInput, required=False)  # the fingerprint of the policy dry-run

    TIERS = ("vip", "gold", "silver", "standard")

    def clean_policy(self):
        return json_object(self.cleaned_data["policy"])

    def clean(self):
        data = super().clean()
        if all(data.get(f"share_{tier}") is not None for tier in self.TIERS) and not any(
            data[f"share_{tier}"] for tier in self.TIERS
        ):
            raise ValidationError(_("Give at least one tier a share of the contacts."))
        return data

    def scenario(self) -> dict:
        """The dry run's scenario, as planning.run_simulation takes it."""
        data = self.cleaned_data
        return {
            "agents": data["agents"],
            "calls_per_interval": data["calls_per_interval"],
            "hours": data["hours"],
            "tier_mix": {tier: data[f"share_{tier}"] for tier in self.TIERS if data[f"share_{tier}"]},
        }


def policy_initial(data: dict) -> dict:
    """The editor as first shown: the policy in force, pretty-printed, and the reference scenario."""
    initial = {name: field.initial for name, field in PolicyForm.base_fields.items() if field.initial is not None}
    initial["policy"] = json.dumps(data, indent=2, ensure_ascii=False)
    return initial


class IvrMenuForm(forms.Form):
    """The voice menu's editor: the menu as JSON (ivr.py's docstring shows its shape)."""

    menu = forms.CharField(
        label=_("Menu (JSON)"), widget=forms.Textarea(attrs={"rows": 22, "spellcheck": "false", "class": "mono"}),
        help_text=_("A JSON object: enabled (true or false); skip_tiers (customer tiers that go straight to a "
                    "person); max_retries; menu: a prompt, options (a key 0-9, * or # for each: a label and one of "
                    "queue (a skill, \"\" for any agent), menu (a sub-menu) or article (the id of a published "
                    "standard question)) and optionally the default key."),
    )
    note = forms.CharField(label=_("Why this change"), max_length=200, required=False)

    def clean_menu(self):
        return json_object(self.cleaned_data["menu"])


def json_object(text: str) -> dict:
    """A JSON object typed into an editor, or the form error saying what is wrong with it."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(_("Not valid JSON: %(error)s") % {"error": exc}) from None
    if not isinstance(data, dict):
        raise ValidationError(_("This must be a JSON object."))
    return data
