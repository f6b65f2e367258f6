from django.utils.translation import gettext_lazy as _

from guanxi.analytics.filtersets import RetentionFilterSet
from guanxi.analytics.latest import retention_rows
from guanxi.analytics.models import Score
from guanxi.analytics.tables import RetentionTable
from guanxi.core.generic import ObjectListView


class RetentionListView(ObjectListView):
    """Owners most likely to stop servicing with the network, riskiest first, with their value: the
    list the call center and the dealers call from (and export for an outbound campaign)."""

    model = Score
    table_class = RetentionTable
    filterset_class = RetentionFilterSet
    title = _("Retention list")
    export_key = "retention"
    queryset = staticmethod(retention_rows)
