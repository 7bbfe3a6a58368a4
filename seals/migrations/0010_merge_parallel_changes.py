

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('seals', '0008_admin_labels_in_every_language'),
        ('seals', '0009_platform_evidence_seal_role'),
    ]

    operations = [
    ]
