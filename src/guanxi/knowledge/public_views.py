"""The customers' help pages: no sign-in, published articles only (knowledge.public), searches
limited per address, one "was this helpful?" vote per reader and article."""

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.limits import RateLimited
from guanxi.knowledge import public, services
from guanxi.knowledge.models import Article, ArticleStatus


def help_search(request):
    query = (request.GET.get("q") or "")[:200]
    results, error, status = [], None, 200
    if query.strip():
        try:
            public.throttle(request.META.get("REMOTE_ADDR", ""))
        except RateLimited as refusal:
            error, status = str(refusal), RateLimited.status_code
        else:
            results = services.search(query, None, limit=10)
    return render(request, "knowledge/help.html", {"query": query, "results": results, "error": error},
                  status=status)


def _published(pk) -> Article:
    article = Article.objects.filter(pk=pk, status=ArticleStatus.PUBLISHED).select_related("category").first()
    if article is None:
        raise Http404(_("No such article."))
    return article


def help_article(request, pk):
    article = _published(pk)
    services.count_uses([article.pk])
    voted = article.pk in public.voted(request.session)
    return render(request, "knowledge/help_article.html", {"article": article, "voted": voted})


@require_POST
def help_vote(request, pk):
    article = _published(pk)
    already = public.voted(request.session)
    if services.vote(article.pk, request.POST.get("helpful") == "yes", already):
        public.remember_vote(request.session, already)
    return redirect("knowledge:help_article", pk=article.pk)
