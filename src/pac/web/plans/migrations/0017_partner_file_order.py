from django.db import migrations, models

# As 0016 for the other lists: partners already there get position 0 (they keep their order by id), then
# no default (``InFileOrder.save`` puts a new one last).


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0016_plan_file_order"),
    ]

    operations = [
        migrations.AlterModelOptions(name="partner", options={"ordering": ["position", "id"]}),
        *(
            migrations.AddField(
                model_name=model,
                name="position",
                field=models.PositiveIntegerField(default=0, editable=False),
                preserve_default=False,
            )
            for model in ("historicalpartner", "partner")
        ),
        *(
            migrations.AlterField(
                model_name=model, name="position", field=models.PositiveIntegerField(default=None, editable=False)
            )
            for model in ("historicalpartner", "partner")
        ),
    ]
