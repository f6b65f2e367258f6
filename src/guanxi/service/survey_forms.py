"""The satisfaction survey's form: the same two questions on the agent's page and the customer's link."""

from django import forms
from django.utils.translation import gettext_lazy as _

CSAT = [(str(score), str(score)) for score in range(5, 0, -1)]
NPS = [("", "—")] + [(str(score), str(score)) for score in range(10, -1, -1)]


class AnswerForm(forms.Form):
    title = _("Record the answer")
    primary = True
    csat = forms.TypedChoiceField(label=_("How satisfied are you with the service? (5 = very satisfied)"),
                                  choices=CSAT, coerce=int)
    nps = forms.TypedChoiceField(label=_("How likely are you to recommend us to a friend? (0-10)"), choices=NPS,
                                 coerce=int, empty_value=None, required=False)
    comment = forms.CharField(label=_("comment"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                              required=False)


class DeclineForm(forms.Form):
    """Nothing to fill in: the customer would rather not answer."""

    title = _("The customer declined")


class SendLinkForm(forms.Form):
    """Nothing to fill in: the link goes to the customer's e-mail address (with their consent)."""

    title = _("Send the link by e-mail")
