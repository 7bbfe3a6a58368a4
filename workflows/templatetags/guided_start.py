from __future__ import annotations

from django import template

from workflows.guided_start import guided_start_steps

register = template.Library()


@register.inclusion_tag("tenants/_guided_start.html", takes_context=True)
def guided_start(context) -> dict:
    company, membership = context.get("company"), context.get("membership")
    if company is None or membership is None:
        return {"steps": None}
    return {"steps": guided_start_steps(company=company, allowed=membership.allowed)}
