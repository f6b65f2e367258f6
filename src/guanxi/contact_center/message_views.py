"""The agent desktop's conversation panel for a text contact (e-mail, SMS, WeChat, chat): the messages so far
(and whether a chat's visitor has left) and a reply form, loaded into the caller's card and answered in place.

Thin: messaging.thread and messaging.reply decide who may see and answer (403 for a user off the roster,
404 for a contact not the agent's); a refused reply shows its reason above the form, the text kept.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from guanxi.contact_center import messaging


@login_required
@require_http_methods(["GET", "POST"])
def conversation(request, pk: int):
    errors, draft = [], {}
    if request.method == "POST":
        draft = {"body": request.POST.get("body", ""), "subject": request.POST.get("subject", "")}
        try:
            messaging.reply(request.user, pk, draft["body"], draft["subject"])
        except ValidationError as exc:
            errors = exc.messages
        else:
            if not request.htmx:
                return redirect("contact_center:desktop")
            draft = {}
    contact, messages = messaging.thread(request.user, pk)
    return render(request, "contact_center/_desktop_thread.html",
                  {"contact": contact, "thread": messages, "errors": errors, "draft": draft,
                   "left_at": messaging.visitor_left_at(contact)},
                  status=422 if errors else 200)
