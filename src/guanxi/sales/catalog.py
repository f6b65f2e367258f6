"""Head office keeps the catalog and the price lists: products (a trim or an option names its car
model), price lists valid for a period, one price per product and list. Every write is checked
field by field and named in the error."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from guanxi.core.scoping import get_restricted, require
from guanxi.sales.models import Price, PriceList, Product, ProductKind


def _saved(obj, exclude=()):
    obj.full_clean(exclude=list(exclude))
    obj.save()
    return obj


def save_product(user, pk, data: dict) -> Product:
    """A new product (pk None) or the fields sent of one."""
    product = get_restricted(user, Product, pk, "change") if pk else Product()
    if not pk:
        require(user, Product.permission_key, "add")
    for field in ("code", "name", "kind", "active"):
        if data.get(field) is not None:
            setattr(product, field, data[field])
    if "model_id" in data:
        model = Product.objects.filter(pk=data["model_id"], kind=ProductKind.MODEL).first()
        if data["model_id"] and model is None:
            raise ValidationError({"model_id": _("No such car model.")})
        product.model = model
    with transaction.atomic():
        return _saved(product)


def car_model_named(name: str) -> str:
    """The catalog's spelling of the car model a lead or a deal names (case and surrounding spaces
    do not matter); a model the catalog does not list as on sale is refused naming `model` (a lead
    or deal that has one from before keeps it: only a changed name is checked). Until head office
    puts car models in the catalog, any name is taken: the catalog is what makes names checkable."""
    models = Product.objects.filter(kind=ProductKind.MODEL, active=True)
    found = models.filter(name__iexact=name.strip()).values_list("name", flat=True).first()
    if found is not None:
        return found
    if models.exists():
        raise ValidationError({"model": _("“%(name)s” is not a car model in the catalog.") % {"name": name}})
    return name


def with_model_checked(data: dict, current: str = "") -> dict:
    """`data` with its `model` in the catalog's spelling, when it names one other than `current`."""
    if not data.get("model") or data["model"] == current:
        return data
    return {**data, "model": car_model_named(data["model"])}


def save_price_list(user, pk, data: dict) -> PriceList:
    price_list = get_restricted(user, PriceList, pk, "change") if pk else PriceList()
    if not pk:
        require(user, PriceList.permission_key, "add")
    for field in ("name", "valid_from", "valid_until"):
        if field in data:
            setattr(price_list, field, data[field])
    with transaction.atomic():
        return _saved(price_list)


def set_price(user, price_list_pk, data: dict) -> Price:
    """The product's price on the list: new, or replacing the one it had."""
    price_list = get_restricted(user, PriceList, price_list_pk, "change")
    product = Product.objects.filter(pk=data.get("product_id")).first()
    if product is None:
        raise ValidationError({"product_id": _("No such product.")})
    price = Price.objects.filter(price_list=price_list, product=product).first() or Price(price_list=price_list,
                                                                                          product=product)
    price.amount = data.get("amount")
    with transaction.atomic():
        return _saved(price, exclude=["price_list", "product"])
