"""Seconds per company (tenant) creation with 10, 200 and 1,000 companies already there.

Runs in a throw-away database `sealhub_bench` on the configured (or embedded) server.
Target: under 1 s each and flat as companies grow. For comparison it also creates one
company the slow way (running every migration instead of cloning the template schema).
"""

from __future__ import annotations

import statistics
import time

from _throwaway_db import throwaway_database

SAMPLES = 5
LEVELS = (10, 200, 1000)


def main() -> None:
    with throwaway_database("sealhub_bench"):
        from django.db import connection
        from django.test.utils import override_settings

        from accounts.models import User
        from tenants.models import Company
        from tenants.services import company_create

        owner = User.objects.create_user("bench@example.com", None)

        def create(index: int) -> float:
            started = time.perf_counter()
            company_create(name=f"Bench {index}", slug=f"bench-{index}", uscc="", owner=owner, acting_user=owner)
            return time.perf_counter() - started

        def existing() -> int:
            return Company.objects.exclude(schema_name="public").count()

        def sample() -> list[float]:
            nonlocal index
            timings = []
            for _ in range(SAMPLES):
                timings.append(create(index))
                index += 1
            return timings

        index = 0
        results = {}
        for level in LEVELS:
            while existing() < level:
                create(index)
                index += 1
            # A fresh connection, as a web request would have: the one that created all the
            # others carries a catalog cache of every schema, which slows its DDL.
            connection.close()
            # "burst": straight after creating the others, catalog bloat and all;
            # "steady": after the VACUUM ANALYZE that autovacuum would do between sign-ups.
            results[f"{level} burst"] = sample()
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
            results[f"{level} steady"] = sample()
        with override_settings(TENANT_CREATION_FAKES_MIGRATIONS=False):
            slow = create(index)

        print("seconds per company creation (clone of the template schema)")
        for label, timings in results.items():
            level, mode = label.split()
            print(
                f"  {level:>4} existing, {mode:<6}: median {statistics.median(timings):.3f} s "
                f"(min {min(timings):.3f}, max {max(timings):.3f}, n={len(timings)})"
            )
        for mode in ("burst", "steady"):
            for level in LEVELS[1:]:
                ratio = statistics.median(results[f"{level} {mode}"]) / statistics.median(results[f"10 {mode}"])
                print(f"  growth 10 → {level} companies ({mode}): ×{ratio:.2f}")
        baseline = statistics.median(results["200 steady"])
        print(f"running every migration instead (200 existing): {slow:.3f} s (×{slow / baseline:.1f})")


if __name__ == "__main__":
    main()
