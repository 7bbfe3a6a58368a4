"""Seconds to apply for a seal (key pair + seal-password wrapping + CSR), to approve it
(certificate from the seal CA), to unlock it with the seal password, and to draw its face.
Runs in a throw-away database."""

from __future__ import annotations

import statistics
import time

from _throwaway_db import throwaway_database

SAMPLES = 5


def timed(function) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def main() -> None:
    with throwaway_database("sealhub_bench_seals"):
        from django.core.files.base import ContentFile

        from accounts.models import User
        from seals.image import face_for, seal_pdf, seal_png
        from seals.services import seal_application_approve, seal_application_submit, seal_private_key_unlock
        from tenants.models import Company
        from tenants.services import company_create

        owner = User.objects.create_user("bench@example.com", None)
        company = company_create(
            name="基准测试有限公司", slug="bench", uscc="91110000802100433B", owner=owner, acting_user=owner
        )
        Company.objects.filter(pk=company.pk).update(verification=Company.Verification.APPROVED)
        company.refresh_from_db()

        print("seconds per step (median of 5)")
        for algorithm in ("ec-p256", "rsa-2048"):
            applications, approvals, unlocks = [], [], []
            for index in range(SAMPLES):
                holder = {}

                def apply(index=index, holder=holder, algorithm=algorithm):
                    holder["application"] = seal_application_submit(
                        company=company,
                        applicant=owner,
                        seal_type="contract",
                        seal_name=f"合同专用章{index}",
                        seal_password="Bench-pass-1",
                        business_licence=ContentFile(b"%PDF-1.4\n%%EOF\n", name="l.pdf"),
                        key_algorithm=algorithm,
                    )

                applications.append(timed(apply))
                approvals.append(
                    timed(
                        lambda h=holder: h.update(
                            seal=seal_application_approve(application=h["application"], acting_user=owner)
                        )
                    )
                )
                unlocks.append(
                    timed(
                        lambda h=holder: seal_private_key_unlock(
                            seal=h["seal"], user=owner, seal_password="Bench-pass-1"
                        )
                    )
                )
            print(
                f"  {algorithm:<9} apply {statistics.median(applications):.3f}"
                f"  approve {statistics.median(approvals):.3f}  unlock {statistics.median(unlocks):.3f}"
            )
        face = face_for(seal_type="contract", company_name=company.name, seal_name="", code="1100000000013", uscc="")
        seal_pdf(face)  # loads the font once
        pdf = statistics.median(timed(lambda: seal_pdf(face)) for _ in range(SAMPLES))
        png = statistics.median(timed(lambda: seal_png(face)) for _ in range(SAMPLES))
        print(f"  seal face: PDF {pdf:.3f}  PNG (300 dpi) {png:.3f}")


if __name__ == "__main__":
    main()
