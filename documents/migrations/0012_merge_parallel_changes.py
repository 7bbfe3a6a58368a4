

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('documents', '0010_certified_prepared_fields'),
        ('documents', '0010_signing_grant_drawn_signature'),
        ('documents', '0010_version_format'),
        ('documents', '0011_evidence_package'),
    ]

    operations = [
    ]
