"""Tokens get a scope and stop with a password change. Tokens issued before keep what they could
do (write) and are stamped with their user's current password."""

from django.db import migrations, models
from django.utils.crypto import salted_hmac


def stamp_existing_tokens(apps, schema_editor):
    ApiToken = apps.get_model("core", "ApiToken")
    for token in ApiToken.objects.select_related("user"):
        # what User.get_session_auth_hash() gives (historical models have no methods)
        token.password_stamp = salted_hmac(
            "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash", token.user.password,
            algorithm="sha256",
        ).hexdigest()
        token.scope = "write"
        token.save(update_fields=["password_stamp", "scope"])


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0007_event_retry_backoff'),
    ]

    operations = [
        migrations.AddField(
            model_name='apitoken',
            name='password_stamp',
            field=models.CharField(default='', editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='apitoken',
            name='scope',
            field=models.CharField(choices=[('read', 'Read only'), ('write', 'Read and write')], default='read', max_length=5, verbose_name='scope'),
        ),
        migrations.RunPython(stamp_existing_tokens, migrations.RunPython.noop),
    ]
