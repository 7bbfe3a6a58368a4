"""Content-Security-Policy on every response.

Scripts and styles come only from our own static files: no inline script, event handler,
`javascript:` URL or style attribute is in a template (tests/config/test_content_security_policy.py
scans them), so markup that slipped past escaping could not run or restyle a page. Page data
reaches scripts through data-* attributes or `json_script` (JSON, never executed). Forms may
post to the platform and company hosts: company registration and invitations end on the
company's host, and browsers apply form-action to the redirect after a post too.
"""

from __future__ import annotations

from django.conf import settings

HEADER = "Content-Security-Policy"


def content_security_policy(**overrides: str) -> str:
    """The policy, with some directives replaced (for a page that needs its own)."""
    hosts = f"{settings.BASE_DOMAIN}:* *.{settings.BASE_DOMAIN}:*"
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        # Page previews and seal images are our own URLs; data: for CSS-embedded icons.
        "img-src": "'self' data:",
        "font-src": "'self'",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'none'",
        "frame-ancestors": "'none'",
        "form-action": f"'self' {hosts}",
        **overrides,
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


class ContentSecurityPolicyMiddleware:
    """Outermost: also covers static files, unknown hosts and error pages. A view that set
    its own policy keeps it."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = content_security_policy()
        # A PDF opened in the browser is shown by the built-in viewer in a page the browser
        # makes up (an <embed> with inline styles) that takes the response's policy: without
        # these two it stays blank (Chromium issue 271452). A PDF runs no script of ours.
        self.pdf_policy = content_security_policy(**{"object-src": "'self'", "style-src": "'self' 'unsafe-inline'"})

    def __call__(self, request):
        response = self.get_response(request)
        is_pdf = response.headers.get("Content-Type", "").startswith("application/pdf")
        response.headers.setdefault(HEADER, self.pdf_policy if is_pdf else self.policy)
        return response
