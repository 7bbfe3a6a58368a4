from rest_framework.throttling import SimpleRateThrottle


class PrincipalRateThrottle(SimpleRateThrottle):
    """One budget per API key or per user (per IP when anonymous). Cache keys are
    already prefixed with the tenant schema, so budgets never mix across companies."""

    scope = "principal"

    def get_cache_key(self, request, view):
        user = request.user
        # No client address at all (some proxies, test clients) must not break the request.
        ident = (
            str(user.pk) if user is not None and user.is_authenticated else f"ip:{self.get_ident(request) or 'unknown'}"
        )
        return f"throttle:{self.scope}:{ident}"
