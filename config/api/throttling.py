from __future__ import annotations

import logging
import math

from django.utils.translation import gettext_lazy as _
from django_redis import get_redis_connection
from redis.exceptions import RedisError
from rest_framework.exceptions import APIException
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)


class BudgetUnavailable(APIException):
    status_code = 503
    default_detail = _("This service is busy for a moment. Please try again shortly.")
    default_code = "service_unavailable"


class SlidingWindowThrottle(SimpleRateThrottle):
    """DRF's throttles store the time of every request in the window as one list and
    read and rewrite it whole on each request, so a budget of 600 a minute moves 600
    timestamps each way per call. This keeps one counter per window instead and weighs
    the previous window by how much of it the sliding window still covers: two cache
    round trips whatever the budget. Rejected requests are not counted, as in DRF."""

    open_without_redis = True  # False: refuse (503) while budgets cannot be counted

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        window = int(self.now // self.duration)
        current_key, previous_key = (self.cache.make_key(f"{self.key}:{w}") for w in (window, window - 1))
        redis = get_redis_connection("default")
        try:
            current, previous = (int(count or 0) for count in redis.mget(current_key, previous_key))
            if self._weighted(current, previous) >= self.num_requests:
                self.counts = current, previous
                return self.throttle_failure()
            with redis.pipeline(transaction=False) as pipe:
                pipe.incr(current_key)
                pipe.expire(current_key, 2 * self.duration)  # long enough to be the previous window
                pipe.execute()
        except RedisError as error:
            if not self.open_without_redis:
                raise BudgetUnavailable from error
            # Budgets share the load fairly; they guard no secret (those lock out in the
            # database). While Redis is away the API keeps answering.
            logger.warning("API budget not counted, Redis unavailable (%s)", type(error).__name__)
        return True

    def _weighted(self, current: int, previous: int) -> float:
        elapsed = (self.now % self.duration) / self.duration
        return current + previous * (1 - elapsed)

    def wait(self) -> float:
        """Whole seconds after which the weighted count is below the budget again."""
        current, previous = self.counts
        elapsed = (self.now % self.duration) / self.duration
        if current < self.num_requests:
            # The previous window's share must fade: current + previous·(1 − e) < budget.
            needed = 1 - (self.num_requests - current) / previous
            return max(1, math.floor((needed - elapsed) * self.duration) + 1)
        # This window alone is over budget: it has to become the previous one and fade.
        needed = 1 - self.num_requests / current if current else 0
        return max(1, math.floor((1 - elapsed + needed) * self.duration) + 1)


class PrincipalRateThrottle(SlidingWindowThrottle):
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
