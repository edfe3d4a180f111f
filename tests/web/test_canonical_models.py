"""The Django models store exactly the canonical CRM schema (``pac.engine.canonical``), with a column type
that keeps each value: a date column for a moment, a decimal for an amount, a nullable boolean for a flag."""

from __future__ import annotations

from django.db import models

from pac.engine import canonical
from pac.web.crm.models import KINDS, RECORDED, canonical_fields

STORED_AS: dict[str, tuple[type[models.Field], ...]] = {  # type: ignore[type-arg]
    "text": (models.CharField,),
    "choice": (models.CharField,),
    "decimal": (models.DecimalField,),
    "moment": (models.DateField,),
    "date": (models.DateField,),
    "instant": (models.DateTimeField,),
    "bool": (models.BooleanField,),
}


def test_every_canonical_table_has_a_model_with_its_columns() -> None:
    assert set(KINDS) == set(canonical.TABLES)
    for kind in KINDS:
        assert sorted(canonical_fields(kind)) == sorted(canonical.names(kind)), kind


def test_every_recorded_table_has_a_model_with_its_columns() -> None:
    assert set(RECORDED) == set(canonical.RECORDED)
    for name, model in RECORDED.items():
        stored = {f.name for f in model._meta.concrete_fields} - {"id", "team"}
        assert sorted(stored) == sorted(canonical.names(name)), name


def test_every_column_is_stored_in_a_field_that_keeps_its_type() -> None:
    for kind, model in KINDS.items():
        for name, column in canonical.columns(kind).items():
            stored = model._meta.get_field(name)
            assert isinstance(stored, STORED_AS[column.type]), (kind, name, type(stored).__name__)
            if column.type in ("decimal", "moment", "date", "bool"):
                assert stored.null, (kind, name)  # an empty cell is kept as empty, never as 0 or False


def test_a_recorded_change_keeps_what_any_tracked_field_held() -> None:
    model = RECORDED["opportunity_changes"]
    widest = max(KINDS["opportunities"]._meta.get_field(name).max_length or 0 for name in ("stage", "outcome"))
    for name in ("old", "new"):
        assert model._meta.get_field(name).max_length >= widest, name  # a stage fits whole
    assert model._meta.get_field("field").max_length >= max(map(len, canonical.TRACKED_FIELDS))
    assert isinstance(model._meta.get_field("recorded"), STORED_AS["instant"])


def test_a_choice_column_accepts_the_longest_canonical_code() -> None:
    for kind, model in KINDS.items():
        for name, column in canonical.columns(kind).items():
            if column.choices:
                assert model._meta.get_field(name).max_length >= max(map(len, column.choices)), (kind, name)
