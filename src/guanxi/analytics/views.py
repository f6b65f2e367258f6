from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views import View

from guanxi.analytics.cluster_figures import clusters_page
from guanxi.analytics.filtersets import RetentionFilterSet
from guanxi.analytics.latest import retention_rows
from guanxi.analytics.models import Score
from guanxi.analytics.tables import RetentionTable
from guanxi.core.generic import ObjectListView
from guanxi.core.scoping import require


class RetentionListView(ObjectListView):
    """Owners most likely to stop servicing with the network, riskiest first, with their value: the
    list the call center and the dealers call from (and export for an outbound campaign)."""

    model = Score
    table_class = RetentionTable
    filterset_class = RetentionFilterSet
    title = _("Retention list")
    export_key = "retention"
    queryset = staticmethod(retention_rows)


class ClustersView(LoginRequiredMixin, View):
    """The kinds of customer the latest clustering found, each in words and numbers, over the
    customers the user may see."""

    def get(self, request):
        require(request.user, Score.permission_key, "view")
        return render(request, "analytics/clusters.html", clusters_page(request.user))
