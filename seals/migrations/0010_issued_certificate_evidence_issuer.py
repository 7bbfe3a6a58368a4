

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('seals', '0009_merge_parallel_changes'),
    ]

    operations = [
        migrations.AlterField(
            model_name='issuedcertificate',
            name='issuer',
            field=models.CharField(choices=[('root', 'Root CA'), ('seal_ca', 'Seal CA'), ('tsa', 'Timestamp authority'), ('sm2_maker', 'SM2 seal maker'), ('evidence', 'Platform evidence seal')], max_length=16),
        ),
    ]
