import pytest

from guanxi.sales.models import DistributionRule


@pytest.fixture
def rules(org):
    """Shanghai's two dealers take Shanghai's leads; Guangzhou's dealer takes Guangdong's and, as a
    catch-all, everyone else's."""
    DistributionRule.objects.create(dealer=org["D-SH1"], priority=10, province="上海")
    DistributionRule.objects.create(dealer=org["D-SH2"], priority=10, province="上海")
    DistributionRule.objects.create(dealer=org["D-GZ1"], priority=10, province="广东")
    DistributionRule.objects.create(dealer=org["D-GZ1"], priority=100)
    return DistributionRule.objects.all()
