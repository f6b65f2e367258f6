"""Forms of the knowledge pages. The rules live in the services; a form shapes the input."""

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.core.forms import UserModelForm
from guanxi.knowledge.models import Article, Category

TEXTAREA = forms.Textarea(attrs={"rows": 4})


class ArticleForm(UserModelForm):
    tag_names = forms.CharField(label=_("tags"), max_length=400, required=False,
                                help_text=_("Separated by commas, e.g. 保养, maintenance."))

    class Meta:
        model = Article
        fields = ("title", "question", "answer", "steps", "applies_to", "category", "standard")
        widgets = {"question": forms.Textarea(attrs={"rows": 2}), "answer": TEXTAREA, "steps": TEXTAREA}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["tag_names"].initial = ", ".join(self.instance.tags.values_list("name", flat=True))

    def service_data(self) -> dict:
        data = {field: self.cleaned_data[field] for field in self._meta.fields if field != "category"}
        category = self.cleaned_data.get("category")
        names = self.cleaned_data["tag_names"].replace("，", ",").split(",")
        return {**data, "category_id": category.pk if category else None, "tags": names}


class CategoryForm(UserModelForm):
    class Meta:
        model = Category
        fields = ("name", "name_en", "order")


class SubmitForm(forms.Form):
    title = _("Send for review")
    primary = True


class PublishForm(forms.Form):
    title = _("Publish")
    primary = True


class RefuseForm(forms.Form):
    title = _("Send back to the author")

    note = forms.CharField(label=_("reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class ArchiveForm(forms.Form):
    title = _("Archive")


class ReviseForm(forms.Form):
    title = _("Revise (back to draft)")


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=200, required=False)
    drafts = forms.BooleanField(label=_("also drafts and articles in review"), required=False)
