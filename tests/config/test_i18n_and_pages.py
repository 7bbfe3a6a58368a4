from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import client_on

pytestmark = pytest.mark.django_db


def test_chinese_is_the_default_language(world):
    body = client_on(None).get("/").content.decode()
    assert '<html lang="zh-hans">' in body
    assert "电子印章" in body


def test_english_on_request(world):
    body = client_on(None, HTTP_ACCEPT_LANGUAGE="en").get("/").content.decode()
    assert '<html lang="en">' in body
    assert "Electronic company seals" in body


def test_language_switch_is_remembered(world):
    client = client_on(None)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert '<html lang="en">' in client.get("/").content.decode()


def test_static_files_are_served_locally(world):
    body = client_on(world.alpha, world.alice).get("/").content.decode()
    assert "/static/sealhub/app.css" in body
    assert "http://" not in body.split("<body")[0].replace("http://www.w3.org", "")


def test_signed_in_platform_home_lists_my_companies(world):
    body = client_on(None, world.alice).get("/").content.decode()
    assert 'href="/companies/alpha/open/"' in body and "Alpha Ltd" in body
    assert "Beta Ltd" not in body


def test_api_schema_and_docs_are_served_without_cdn(world):
    client = client_on(world.alpha)
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    document = schema.json()
    assert document["openapi"].startswith("3.")
    assert "/api/v1/api_keys/" in document["paths"]
    assert "ApiKeyAuth" in document["components"]["securitySchemes"]
    docs = client.get("/api/v1/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in docs
    # Nothing loaded from another host (a random CSRF token may well contain the letters "cdn").
    assert not re.search(r"""(src|href)=["'](https?:)?//""", docs)
    assert not re.search(r"jsdelivr|unpkg|cdnjs", docs)


def test_every_message_has_a_chinese_translation():
    import re
    from pathlib import Path

    po = (Path(__file__).resolve().parents[2] / "config/locale/zh_Hans/LC_MESSAGES/django.po").read_text()
    body = po.split("\n\n", 1)[1]  # after the header entry
    assert "#, fuzzy" not in body
    untranslated = re.findall(r'msgid "(.*)"\nmsgstr ""\n(?!")', body)
    assert untranslated == []
    plurals_untranslated = re.findall(r'msgid_plural "(.*)"\n(?:msgstr\[\d+\] ".*"\n)*msgstr\[\d+\] ""\n(?!")', body)
    assert plurals_untranslated == []


def test_pages_in_chinese_by_default(world):
    body = client_on(None).get("/accounts/register/").content.decode()
    assert "居民身份证号" in body and "注册账户" in body


def test_seal_the_noun_and_seal_the_verb_read_differently_in_chinese(approved_alpha, world):
    from seals.services import seal_application_approve, seal_application_submit
    from tests.seals.conftest import licence

    application = seal_application_submit(
        company=approved_alpha,
        applicant=world.alice,
        seal_type="contract",
        seal_name="Alpha Ltd",
        seal_password="Seal-pass-2026",
        business_licence=licence(),
    )
    seal_application_approve(application=application, acting_user=world.alice)
    # One English word, two Chinese ones: the seal list names 印章; sealing a document is 盖章.
    seal_list = client_on(world.alpha, world.alice).get("/seals/").content.decode()
    assert '<th scope="col">印章</th>' in seal_list and '<th scope="col">盖章</th>' not in seal_list


def test_english_text_carries_no_chinese_beyond_the_names_of_seal_types():
    """An English page shows English help; Chinese appears only where it names the seal
    types and the cross-page seal placement as the official terms (公章, 骑缝章)."""
    import re
    from pathlib import Path

    po = (Path(__file__).resolve().parents[2] / "config/locale/zh_Hans/LC_MESSAGES/django.po").read_text()
    used = set()
    for path in Path(__file__).resolve().parents[2].glob("*/**/*.py"):
        if ".venv" not in path.parts and "tests" not in path.parts and "migrations" not in path.parts:
            used.add(path.read_text(errors="ignore"))
    for path in (Path(__file__).resolve().parents[2] / "templates").rglob("*.html"):
        used.add(path.read_text())
    source = "\n".join(used)
    chinese_in_english = [
        msgid
        for msgid in re.findall(r'^msgid "(.*)"$', po, flags=re.M)
        if re.search(r"[\u4e00-\u9fff]", msgid) and msgid != "简体中文" and msgid in source
    ]
    allowed = re.compile(r"^(Official|Contract|Finance|Invoice) seal \(|^Across the page edges \(骑缝章\)$")
    assert [msgid for msgid in chinese_in_english if not allowed.search(msgid)] == []


def test_no_template_translates_a_placeholder_with_the_trans_tag():
    """`{% trans "Page %(number)s" %}` looks up "Page %%(number)s" (the tag doubles percent
    signs), which the catalogue never has: the text stayed English in the Chinese interface
    ("Page 4" instead of 第 4 页). Placeholders go through blocktrans."""
    from pathlib import Path

    templates = Path(__file__).resolve().parents[2] / "templates"
    placeholder_in_trans = re.compile(r"\{%\s*(?:trans|translate)\s+['\"][^'\"]*%\(\w+\)s[^'\"]*['\"]")
    found = [
        f"{path.relative_to(templates)}: {match}"
        for path in templates.rglob("*.html")
        for match in placeholder_in_trans.findall(path.read_text())
    ]
    assert found == []


def test_the_page_and_time_words_the_scripts_use_are_chinese(world, approved_alpha):
    from django_tenants.utils import tenant_context

    from documents.services.versions import document_upload
    from tests.documents.pdfs import make_pdf

    with tenant_context(approved_alpha):
        document = document_upload(name="c.pdf", data=make_pdf(1), acting_user=world.alice)
    page = client_on(approved_alpha, world.alice).get(f"/documents/{document.pk}/").content.decode()
    assert 'data-page-number="第 %(number)s 页"' in page and 'data-elapsed="（%(seconds)s 秒）"' in page


# Messages that read the same in both languages, and the Chinese names English pages show.
SAME_IN_BOTH = {"Sealhub", "API", "English", "RSA 2048"}
CHINESE_ON_PURPOSE = re.compile(r"^(简体中文|.*\((公章|合同专用章|财务专用章|发票专用章|骑缝章)\))$")


def _po_entries(po: str):
    """(msgctxt, msgid, msgid_plural) of each entry of a .po file."""

    def text(quoted: str) -> str:
        joined = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', quoted))
        return joined.encode().decode("unicode_escape").encode("latin-1").decode("utf-8")

    for block in po.split("\n\n")[1:]:
        fields, key = {}, None
        for line in block.splitlines():
            if match := re.match(r"(msgctxt|msgid_plural|msgid|msgstr(?:\[\d\])?) (\".*\")$", line):
                key = match.group(1)
                fields[key] = match.group(2)
            elif line.startswith('"') and key:
                fields[key] += line
        if "msgid" in fields:
            yield text(fields.get("msgctxt", "")), text(fields["msgid"]), text(fields.get("msgid_plural", ""))


@pytest.mark.skipif(
    shutil.which("xgettext") is None,
    reason="extracting messages needs GNU gettext's xgettext (apt-get install gettext)",
)
def test_every_message_in_the_code_and_templates_reads_in_chinese(tmp_path):
    """Walks the catalogue as `make messages` would make it from the code now, not the one
    committed: a string added with gettext but never given a Chinese translation shows in
    English in the Chinese interface, and the committed catalogue cannot know of it."""
    from django.utils import translation

    root = Path(__file__).resolve().parents[2]
    for name in ["manage.py"]:
        shutil.copy(root / name, tmp_path / name)
    for app in ("accounts", "tenants", "events", "seals", "documents", "workflows", "config", "sealcore", "templates"):
        if (root / app).exists():
            shutil.copytree(root / app, tmp_path / app, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    made = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--locale", "zh_Hans", "--no-obsolete"],
        cwd=tmp_path,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert made.returncode == 0, made.stderr
    po = (tmp_path / "config/locale/zh_Hans/LC_MESSAGES/django.po").read_text()
    english, chinese = [], []
    with translation.override("zh-hans"):
        for context, msgid, plural in _po_entries(po):
            if re.search(r"[\u3400-\u9fff]", msgid):
                if not CHINESE_ON_PURPOSE.match(msgid):
                    chinese.append(msgid)  # an English page would show it
                continue
            if plural:
                same = translation.ngettext(msgid, plural, 2) in (msgid, plural)
            elif context:
                same = translation.pgettext(context, msgid) == msgid
            else:
                same = translation.gettext(msgid) == msgid
            if same and re.search(r"[A-Za-z]{2,}", msgid) and msgid not in SAME_IN_BOTH:
                english.append(msgid)
    assert len(list(_po_entries(po))) > 1000  # the walk saw the whole product
    assert english == [] and chinese == []
