"""The org tree: moving a unit carries everything below it, and the tree cannot loop."""

import pytest
from django.core.exceptions import ValidationError

from guanxi.core.roles import Role
from guanxi.customers.models import Customer


def test_a_dealer_moving_region_takes_its_customers_visibility_along(org, users, customers):
    region_manager = users["region_manager"]  # manages R-EAST
    assert Customer.objects.restrict(region_manager).filter(name="张伟").exists()
    dealer = org["D-SH1"]
    dealer.parent = org["R-SOUTH"]
    dealer.save()
    region_manager = type(region_manager).objects.get(pk=region_manager.pk)  # a new request reads the tree anew
    assert not Customer.objects.restrict(region_manager).filter(name="张伟").exists()
    south_manager = type(region_manager).objects.create_user(
        "u_south", role=Role.DEALER_MANAGER, org_unit=org["R-SOUTH"]
    )
    assert Customer.objects.restrict(south_manager).filter(name="张伟").exists()


def test_moving_a_region_re_paths_its_whole_subtree(org):
    east = org["R-EAST"]
    east.parent = org["CC"]  # odd, but legal: the subtree must follow
    east.save()
    org["D-SH1"].refresh_from_db()
    assert org["D-SH1"].path.startswith(org["CC"].path + f"{east.pk:06d}/")


def test_a_unit_cannot_move_under_its_own_subtree(org):
    east = org["R-EAST"]
    east.parent = org["D-SH1"]
    with pytest.raises(ValidationError) as err:
        east.save()
    assert "parent" in err.value.message_dict
