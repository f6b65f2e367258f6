"""Forms of the core pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import ApiToken, TokenScope


class ApiTokenForm(forms.Form):
    """A token for a script or an integration: a name to recognise it, what it may do, how long."""

    name = forms.CharField(label=_("Token name"), max_length=ApiToken._meta.get_field("name").max_length,
                           help_text=_("What uses it, e.g. the telephone system."))
    scope = forms.ChoiceField(label=_("scope"), choices=TokenScope.choices, initial=TokenScope.READ)
    valid_days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=730, initial=365)


class UserModelForm(forms.ModelForm):
    """A ModelForm the generic edit views (core.generic) can build: they hand every form the user,
    for the choices it offers; a form whose choices are the same for everyone ignores it."""

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
