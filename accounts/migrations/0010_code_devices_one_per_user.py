from django.db import migrations, models


def duplicates_merge(apps, schema_editor):
    """Simultaneous first uses made several devices for one person: keep one (for recovery
    codes, the one whose codes are still unused), drop the others."""
    EmailCodeDevice = apps.get_model("accounts", "EmailCodeDevice")
    RecoveryCodeDevice = apps.get_model("accounts", "RecoveryCodeDevice")
    RecoveryCode = apps.get_model("accounts", "RecoveryCode")
    seen = set()
    for device in EmailCodeDevice.objects.order_by("user_id", "id"):
        if device.user_id in seen:
            device.delete()
        seen.add(device.user_id)
    by_user = {}
    for device in RecoveryCodeDevice.objects.order_by("user_id", "id"):
        by_user.setdefault(device.user_id, []).append(device)
    for devices in by_user.values():
        if len(devices) > 1:
            unused = {d.pk: RecoveryCode.objects.filter(device=d, used_at__isnull=True).count() for d in devices}
            keep = max(devices, key=lambda d: (unused[d.pk], d.pk))
            for device in devices:
                if device.pk != keep.pk:
                    device.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0009_attempt_counter"),
    ]

    operations = [
        migrations.RunPython(duplicates_merge, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="emailcodedevice",
            constraint=models.UniqueConstraint(fields=("user",), name="email_code_device_one_per_user"),
        ),
        migrations.AddConstraint(
            model_name="recoverycodedevice",
            constraint=models.UniqueConstraint(fields=("user",), name="recovery_code_device_one_per_user"),
        ),
    ]
