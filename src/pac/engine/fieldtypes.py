"""The value types of the plan file, bounded like the database columns that store them.

A figure or a text the file accepts must fit where the web app keeps it (a 1e20 deal size or a
300-character persona would otherwise be accepted here and fail, or be truncated, later)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field

#: Ids are slugs: letters, digits, "-" and "_", as in the web app's forms and URLs.
Identifier = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Person = Annotated[str, Field(min_length=1, max_length=150)]
ShortText = Annotated[str, Field(max_length=60)]
Text = Annotated[str, Field(max_length=200)]
LongText = Annotated[str, Field(max_length=5000)]

Money = Annotated[Decimal, Field(ge=0, max_digits=16, decimal_places=2)]  # < 100 000 billion
PositiveMoney = Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2)]
Target = Annotated[Decimal, Field(gt=0, max_digits=16, decimal_places=2)]
Volume = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2)]
Rate = Annotated[Decimal, Field(gt=0, le=1, decimal_places=4)]  # conversion rate, 0.25 for 25 %
Fraction = Annotated[Decimal, Field(ge=0, le=1, decimal_places=3)]  # ICP fit, priority weight
RampUp = Annotated[Decimal, Field(ge=0, le=1, decimal_places=3)]  # productivity in a month of ramp-up, 0.5 for 50 %
Weight = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=4)]
WeeklyHours = Annotated[Decimal, Field(gt=0, le=80, decimal_places=2)]
UnitHours = Annotated[Decimal, Field(ge=0, le=1000, decimal_places=2)]
ActionHours = Annotated[Decimal, Field(ge=0, le=100000, decimal_places=2)]
