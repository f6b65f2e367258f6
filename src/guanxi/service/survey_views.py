"""Satisfaction surveys: the list and page the call center works from (record the answer given on
the phone), and the page a customer reaches through the link sent by SMS or e-mail (no sign-in;
the link is signed and expires)."""

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanxi.core.generic import ObjectListView, ObjectView, StepView, form_errors_from
from guanxi.service import surveys
from guanxi.service.filtersets import SurveyFilterSet
from guanxi.service.models import Survey, SurveyState
from guanxi.service.survey_forms import AnswerForm, DeclineForm, SendLinkForm
from guanxi.service.tables import SurveyTable


class SurveyListView(ObjectListView):
    model = Survey
    table_class = SurveyTable
    filterset_class = SurveyFilterSet
    title = _("Satisfaction surveys")

    @staticmethod
    def queryset(rows):
        return rows.select_related("customer", "station").order_by("-id")


class SurveyView(ObjectView):
    model = Survey
    template_name = "service/survey_detail.html"
    fields = ("customer", "station", "ticket", "work_order", "state", "csat", "nps", "comment", "channel",
              "answered_by", "answered_at", "link_sent_at", "recovery_ticket", "created_at")

    def context(self, user, obj, bound: dict | None = None):
        return {"actions": SurveyStepView.offered(user, obj, bound), "link": surveys.link_token(obj)}


class SurveyStepView(StepView):
    model = Survey
    detail_view = SurveyView
    state_field = "state"
    actions = {"answer": (AnswerForm, "change", (SurveyState.SCHEDULED,)),
               "send_link": (SendLinkForm, "change", (SurveyState.SCHEDULED,)),
               "decline": (DeclineForm, "change", (SurveyState.SCHEDULED,))}

    def post(self, request, pk, action):
        self.request = request  # the link is made absolute from the request's host
        return super().post(request, pk, action)

    def act(self, user, pk, action, data):
        if action == "send_link":
            survey = Survey.objects.get(pk=pk)
            surveys.send_link(user, pk, self.request.build_absolute_uri(
                reverse("service:survey_link", args=[surveys.link_token(survey)])))
        elif action == "decline":
            surveys.decline(user, pk)
        else:
            surveys.record(user, pk, data["csat"], data.get("nps"), data.get("comment", ""))


def answer_by_link(request, token):
    """The customer's own answer; a second answer or an expired link is told so, nothing is written."""
    try:
        survey = surveys.from_token(token)
    except (ValidationError, Survey.DoesNotExist):
        return render(request, "service/survey_public.html", {"invalid": True}, status=404)
    form = AnswerForm(request.POST or None)
    if survey.state != SurveyState.SCHEDULED:
        return render(request, "service/survey_public.html", {"survey": survey, "done": True})
    if request.method == "POST" and form.is_valid():
        try:
            surveys.record(None, survey.pk, form.cleaned_data["csat"], form.cleaned_data.get("nps"),
                           form.cleaned_data.get("comment", ""), channel="link")
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            return render(request, "service/survey_public.html", {"survey": survey, "thanks": True})
    status = 422 if form.is_bound else 200
    return render(request, "service/survey_public.html", {"survey": survey, "form": form}, status=status)
