from django import template

from ..forms import max_length

register = template.Library()


@register.simple_tag
def message_max_length():
    """The longest message the form accepts, for pages rendered without a
    view's context (the 400 page)."""
    return f"{max_length('message'):,}"
