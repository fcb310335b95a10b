"""Hemma's three agreement templates (OPAT, acute internal medicine, stroke ESD)."""

from django.db import migrations

from hemma.careplans.shipped import SHIPPED_TEMPLATES


def ship(apps, schema_editor):
    template_model = apps.get_model("careplans", "AgreementTemplate")
    for spec in SHIPPED_TEMPLATES:
        template_model.objects.update_or_create(ward=None, name=spec["name"], defaults=spec)


def unship(apps, schema_editor):
    template_model = apps.get_model("careplans", "AgreementTemplate")
    names = [spec["name"] for spec in SHIPPED_TEMPLATES]
    template_model.objects.filter(ward=None, name__in=names).delete()


class Migration(migrations.Migration):
    dependencies = [("careplans", "0001_initial")]
    operations = [migrations.RunPython(ship, unship)]
