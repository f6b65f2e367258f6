"""The forms of the dashboard pages. The chart form offers only what the catalogue
(analytics.dashboards) allows for the chosen measure, and checks its choices with the same
`check` as the API, so the page and the API refuse the same things with the same words."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from guanxi.analytics import dashboards
from guanxi.analytics.models import Chart, Dashboard

FILTER_SLOTS = 3


class DashboardForm(forms.ModelForm):
    class Meta:
        model = Dashboard
        fields = ["name", "shared", "order"]

    def __init__(self, *args, user=None, **kwargs):  # the edit view hands every form its user
        super().__init__(*args, **kwargs)


class ChartForm(forms.ModelForm):
    """A chart: a measure, what it is split by, up to FILTER_SLOTS filters, a chart type. `adjust`
    (the preview, as the user changes the measure) drops what the new measure does not allow
    instead of refusing it, so that the form shows the dimensions and filters it now offers."""

    class Meta:
        model = Chart
        fields = ["title", "measure", "dimension", "chart_type", "position"]

    def __init__(self, data=None, *args, user=None, dashboard=None, adjust=False, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.user, self.dashboard = user, dashboard or self.instance.dashboard
        measures = dashboards.readable_measures(user)
        sections = {}
        for measure in measures:
            sections.setdefault(str(measure.section), []).append((measure.key, measure.label))
        self.fields["measure"] = forms.ChoiceField(label=_("measure"), choices=list(sections.items()))
        chosen = dashboards.MEASURES.get(self._value("measure") or (measures[0].key if measures else ""))
        splits = [split for split in chosen.dimensions() if split.readable_by(user)] if chosen else []
        self.fields["dimension"] = forms.ChoiceField(label=_("by"), choices=[(d.key, d.label) for d in splits])
        filterable = [] if chosen is None or chosen.provider else splits
        if not self.is_bound and chosen and not self.initial.get("measure"):
            self.initial |= {"measure": chosen.key, "dimension": splits[0].key}
        if adjust and data is not None:
            self.data = self._adjusted(splits, filterable)
        saved = list(self.instance.filters.items()) if self.instance.pk and not self.is_bound else []
        for slot in range(1, FILTER_SLOTS + 1):
            by = self._value(f"filter_{slot}") or (saved[slot - 1][0] if slot <= len(saved) else "")
            kept = saved[slot - 1][1] if slot <= len(saved) else []
            self.fields[f"filter_{slot}"] = forms.ChoiceField(
                label=_("filter %(number)s by") % {"number": slot}, required=False, initial=by,
                choices=[("", "—"), *((d.key, d.label) for d in filterable)])
            self.fields[f"values_{slot}"] = forms.MultipleChoiceField(
                label=_("values to keep"), required=False, initial=kept, choices=self._options(by, kept),
                widget=forms.SelectMultiple(attrs={"size": 4}))
        if self.instance.pk is None and not self.is_bound:
            last = self.dashboard.charts.aggregate(last=Max("position"))["last"]
            self.initial["position"] = 0 if last is None else last + 1

    def _value(self, name: str) -> str:
        if self.is_bound:
            return self.data.get(name, "")
        return self.initial.get(name, "")

    def _options(self, by: str, kept: list) -> list[tuple]:
        dimension = dashboards.DIMENSIONS.get(by)
        if dimension is None:
            return []
        options = [(str(value), label) for value, label in dimension.options(self.user)]
        known = {value for value, _label in options}
        return options + [(str(value), str(value)) for value in kept if str(value) not in known]

    def _adjusted(self, splits: list, filterable: list):
        """The posted form without the dimension and filters the chosen measure does not allow."""
        data = self.data.copy()
        allowed = {dimension.key for dimension in splits}
        if splits and data.get("dimension") not in allowed:
            data["dimension"] = splits[0].key
        for slot in range(1, FILTER_SLOTS + 1):
            if data.get(f"filter_{slot}") not in {dimension.key for dimension in filterable}:
                data[f"filter_{slot}"] = ""
            if not data.get(f"filter_{slot}"):
                data.setlist(f"values_{slot}", [])
        return data

    def filter_rows(self):
        """(dimension, values) per filter slot, for the template; none for a measure that cannot be filtered."""
        if len(self.fields["filter_1"].choices) < 2:
            return []
        return [(self[f"filter_{slot}"], self[f"values_{slot}"]) for slot in range(1, FILTER_SLOTS + 1)]

    def plain_fields(self):
        return [self[name] for name in ("title", "measure", "dimension", "chart_type", "position")]

    def clean(self):
        cleaned = super().clean()
        filters, slots = {}, {}
        for slot in range(1, FILTER_SLOTS + 1):
            by, values = cleaned.get(f"filter_{slot}"), cleaned.get(f"values_{slot}")
            if not by:
                continue
            if by in filters:
                self.add_error(f"filter_{slot}", _("This dimension is filtered already."))
            elif values:
                filters[by], slots[by] = values, slot
        if self.errors or not cleaned.get("measure") or not cleaned.get("dimension"):
            return cleaned
        try:
            definition = dashboards.check(cleaned["measure"], cleaned["dimension"], filters)
        except ValidationError as refused:
            for field, messages in refused.message_dict.items():
                name = field.removeprefix("filters.")
                self.add_error(f"values_{slots[name]}" if name in slots else field if field in self.fields else None,
                               messages)
            return cleaned
        self.definition = definition
        return cleaned

    def save(self, commit=True):
        chart = super().save(commit=False)
        chart.dashboard = self.dashboard
        chart.filters = self.definition.filters
        if commit:
            chart.save()
        return chart
