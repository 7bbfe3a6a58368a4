"""`make run PORT=8001` served on 8001, but a person's emailed sign link named port 8000
(PLATFORM_URL's default), so the link led nowhere."""

from __future__ import annotations

from config.launcher import child_environment


def test_links_name_the_port_this_run_serves(monkeypatch):
    monkeypatch.delenv("PLATFORM_URL", raising=False)
    monkeypatch.delenv("BASE_DOMAIN", raising=False)

    assert child_environment(port=8001)["PLATFORM_URL"] == "http://localhost:8001"


def test_a_platform_url_that_was_set_is_kept(monkeypatch):
    monkeypatch.setenv("PLATFORM_URL", "https://sealhub.example.com")

    assert child_environment(port=8001)["PLATFORM_URL"] == "https://sealhub.example.com"


def test_mail_goes_to_files_a_person_can_open(monkeypatch, tmp_path):
    # Printed by the worker, a mail's sign link would be redacted like every log line.
    import dj_email_url

    monkeypatch.delenv("EMAIL_URL", raising=False)
    monkeypatch.setenv("SEALHUB_VAR_DIR", str(tmp_path))

    parsed = dj_email_url.parse(child_environment(port=8001)["EMAIL_URL"])

    assert parsed["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend"
    assert parsed["EMAIL_FILE_PATH"] == str(tmp_path / "mail")


def test_a_mail_url_that_was_set_is_kept(monkeypatch):
    monkeypatch.setenv("EMAIL_URL", "smtp://mail.example.com:587")

    assert child_environment(port=8001)["EMAIL_URL"] == "smtp://mail.example.com:587"


def test_the_base_domain_is_used(monkeypatch):
    monkeypatch.delenv("PLATFORM_URL", raising=False)
    monkeypatch.setenv("BASE_DOMAIN", "sealhub.test")

    assert child_environment(port=8002)["PLATFORM_URL"] == "http://sealhub.test:8002"
