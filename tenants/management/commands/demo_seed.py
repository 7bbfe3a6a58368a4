import base64
import secrets

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand

from accounts.models import AuthenticatorDevice, User
from accounts.services import identity_fields_for, reviewer_group_ensure
from config.crypto import encrypt
from config.embedded import var_dir
from seals.models import Seal
from seals.services import seal_application_approve, seal_application_submit
from tenants.models import Company
from tenants.services import company_create, company_registration_approve

DEMO_USER_EMAIL = "demo@sealhub.local"
REVIEWER_EMAIL = "reviewer@sealhub.local"
DEMO_USCC = "91110000802100433B"
DEMO_ID_NUMBER = "110105198001010016"


class Command(BaseCommand):
    help = "Create the demo company and logins for local use (idempotent); print how to sign in."

    def handle(self, *args, **options):
        credentials_file = var_dir() / "demo-logins.txt"
        passwords = self._passwords(credentials_file)
        demo_user = self._user(DEMO_USER_EMAIL, passwords["demo"], full_name="演示用户", is_staff=False)
        if not demo_user.id_number_hash:
            # A made-up number with a valid check digit, so the demo user counts as verified.
            identity = identity_fields_for(DEMO_ID_NUMBER)
            User.objects.filter(pk=demo_user.pk).update(
                id_number_hash=identity.number_hash,
                id_number_encrypted=identity.encrypted,
                id_number_masked=identity.masked,
            )
        reviewer = self._user(REVIEWER_EMAIL, passwords["reviewer"], full_name="平台审核员", is_staff=True)
        reviewer.groups.add(reviewer_group_ensure())
        authenticator_key = self._reviewer_authenticator(reviewer)
        User.objects.filter(pk=reviewer.pk, is_superuser=True).update(is_superuser=False)  # older demo databases
        if not Company.objects.filter(slug="demo").exists():
            company_create(
                name="演示科技有限公司",
                slug="demo",
                uscc=DEMO_USCC,
                legal_representative="张三",
                owner=demo_user,
                acting_user=demo_user,
            )
        seal_password = self._demo_seal(demo_user, reviewer, passwords)
        credentials_file.write_text(
            f"demo {passwords['demo']}\nreviewer {passwords['reviewer']}\nseal {seal_password}\n"
            f"reviewer-authenticator {authenticator_key}\n"
        )
        credentials_file.chmod(0o600)
        port = options.get("port") or 8000
        self.stdout.write(
            "\n".join(
                [
                    "",
                    f"  Platform:  http://{settings.BASE_DOMAIN}:{port}/   admin: http://{settings.BASE_DOMAIN}:{port}/admin/",
                    f"  Demo:      http://demo.{settings.BASE_DOMAIN}:{port}/",
                    f"  Demo user: {DEMO_USER_EMAIL} / {passwords['demo']}   seal password: {seal_password}",
                    f"  Reviewer:  {REVIEWER_EMAIL} / {passwords['reviewer']}  authenticator key: {authenticator_key}",
                    "",
                ]
            )
        )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)

    def _demo_seal(self, demo_user, reviewer, passwords) -> str:
        """The demo company is reviewed and owns an active contract seal."""
        company = Company.objects.get(slug="demo")
        # Letters and digits whatever the random part is (the seal password rules).
        seal_password = passwords.get("seal") or f"Seal-{secrets.token_hex(4)}-{secrets.randbelow(900) + 100}"
        if company.verification == Company.Verification.PENDING:
            company_registration_approve(company=company, acting_user=reviewer, reason="Demo")
            company.refresh_from_db()
        if not Seal.objects.filter(company=company).exists():
            licence = ContentFile(b"%PDF-1.4\n% demo business licence\n%%EOF\n", name="licence.pdf")
            application = seal_application_submit(
                company=company,
                applicant=demo_user,
                seal_type="contract",
                seal_name=company.name,
                seal_password=seal_password,
                business_licence=licence,
            )
            seal_application_approve(application=application, acting_user=reviewer)
        return seal_password

    def _reviewer_authenticator(self, reviewer: User) -> str:
        """Reviewers have an authenticator before they review (its first one set up from a
        session would need only the mailbox): the demo reviewer's key is made here, kept with
        the demo logins, for an authenticator app."""
        device = AuthenticatorDevice.objects.filter(user=reviewer, confirmed=True).first()
        if device is not None:
            return base64.b32encode(device.bin_key).decode().rstrip("=")
        key = secrets.token_bytes(20)
        AuthenticatorDevice.objects.create(
            user=reviewer,
            name="Authenticator app",
            confirmed=True,
            encrypted_key=encrypt(
                key, purpose=AuthenticatorDevice.KEY_PURPOSE, associated_data=str(reviewer.pk).encode()
            ),
        )
        return base64.b32encode(key).decode().rstrip("=")

    def _passwords(self, credentials_file) -> dict[str, str]:
        # Random per machine, kept under var/ (never in the repository).
        if credentials_file.exists():
            pairs = dict(line.split(" ", 1) for line in credentials_file.read_text().splitlines() if " " in line)
            if {"demo", "reviewer"} <= set(pairs):
                return pairs
        return {"demo": "demo-" + secrets.token_urlsafe(9), "reviewer": "review-" + secrets.token_urlsafe(9)}

    def _user(self, email: str, password: str, *, full_name: str, is_staff: bool) -> User:
        user = User.objects.filter(email=email).first()
        if user is None:
            # The reviewer is staff in the Reviewers group, never a superuser.
            user = User.objects.create_user(email, password, full_name=full_name, is_staff=is_staff)
        elif not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
        return user
