"""Wrap each stored seal key's password-wrapped data key again under the server MASTER_KEY
(seals/keys.py). Needs no seal password: the new layer goes around the old wrapping."""

from django.db import migrations

# seals/keys.py MASTER_KEY_PURPOSE, kept here as it was when this migration was written.
PURPOSE = "seal-data-key"


def _rows(apps):
    for model_name in ("Seal", "SealApplication"):
        model = apps.get_model("seals", model_name)
        for row in model.objects.exclude(wrapped_data_key=None).only("wrapped_data_key").iterator():
            yield model, row


def add_master_key_layer(apps, schema_editor):
    from config.crypto import encrypt

    for model, row in _rows(apps):
        wrapped = encrypt(bytes(row.wrapped_data_key), purpose=PURPOSE)
        model.objects.filter(pk=row.pk).update(wrapped_data_key=wrapped)


def remove_master_key_layer(apps, schema_editor):
    from config.crypto import decrypt

    for model, row in _rows(apps):
        wrapped = decrypt(bytes(row.wrapped_data_key), purpose=PURPOSE)
        model.objects.filter(pk=row.pk).update(wrapped_data_key=wrapped)


class Migration(migrations.Migration):
    dependencies = [
        ("seals", "0006_national_format_seal"),
    ]

    operations = [
        migrations.RunPython(add_master_key_layer, remove_master_key_layer),
    ]
