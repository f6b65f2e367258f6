from django import template

from guanxi.core import formatting

register = template.Library()


@register.filter
def money(amount, currency: str = "CNY") -> str:
    """{{ customer.lifetime_spend|money:customer.currency }}: ¥1,234.00 / CNY 1,234.00."""
    return formatting.money(amount, currency)
