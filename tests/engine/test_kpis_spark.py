"""The same KPIs on PySpark in local mode give the same numbers as on DuckDB."""

from __future__ import annotations

import ibis
import pytest

from pac.engine.kpis import TableSource, compute_kpis, tables_from_backend
from tests.engine.kpi_data import AS_OF, assert_same, files
from tests.engine.test_kpis import CASES, on_duckdb

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def spark():  # type: ignore[no-untyped-def]
    pyspark_sql = pytest.importorskip("pyspark.sql")
    session = (
        pyspark_sql.SparkSession.builder.master("local[2]")
        .appName("pac-kpis")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def test_it_gives_the_same_numbers_on_spark_as_on_duckdb(spark) -> None:  # type: ignore[no-untyped-def]
    backend = ibis.pyspark.connect(spark)
    for case, (data_set, options) in enumerate(CASES):
        sources = {}
        for table, path in files(data_set).items():
            name = f"{data_set}_{table}"
            spark.read.csv(str(path), header=True).createOrReplaceTempView(name)  # every column text, "" → NULL
            sources[table] = TableSource(name)
        result = compute_kpis(tables_from_backend(backend, sources), as_of=AS_OF[data_set], **options)  # type: ignore[arg-type]
        assert_same(on_duckdb(case), result)


def test_the_stage_kpis_give_the_same_numbers_on_spark_as_on_duckdb(spark, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    from pac.engine.kpis import tables_from_directory
    from tests.engine.test_kpi_stages import _fill

    _fill(tmp_path)
    backend = ibis.pyspark.connect(spark)
    sources = {}
    for table in ("opportunities", "opportunity_stages"):
        spark.read.csv(str(tmp_path / f"{table}.csv"), header=True).createOrReplaceTempView(f"stages_{table}")
        sources[table] = TableSource(f"stages_{table}")
    options = {"as_of": dt.date(2024, 12, 31), "kpis": ["stage_conversion", "stage_days"]}
    for by in (["stage"], ["segment", "stage"]):
        duck = compute_kpis(tables_from_directory(tmp_path), by=by, **options)  # type: ignore[arg-type]
        assert_same(duck, compute_kpis(tables_from_backend(backend, sources), by=by, **options))  # type: ignore[arg-type]
