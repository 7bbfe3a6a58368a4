from __future__ import annotations


def company(request) -> dict:
    """The host's company, for its members only: a non-member's 404 page must not
    reveal whose host it is."""
    membership = getattr(request, "membership", None)
    return {"company": request.tenant if membership else None, "membership": membership}
