"""A notebook's cells, as a PySpark user writes them with clusterpack's
Python API: ship an environment and a project's code, build the session
with cluster-pack's spark_config_builder names, run the pandas UDF of the
talk "Building reproducible distributed applications at scale" (group by
id, mean of v: 1.5 and 6.0) on local[2].

scripts/dist's test runs it with NOTEBOOK_* set and reads the last line.
"""

import importlib.util
import json
import os

import pandas as pd
from pyspark.sql import SparkSession
from pyspark.sql.functions import pandas_udf

import clusterpack
from clusterpack import spark as cp_spark

# The driver lacks tabulate: a UDF that imports it runs the shipped environment.
assert importlib.util.find_spec("tabulate") is None, "the driver has tabulate: the test proves nothing"

env = clusterpack.upload_env(
    requirements=json.loads(os.environ["NOTEBOOK_REQUIREMENTS"]),
    code=[os.environ["NOTEBOOK_CODE"]],
    python=os.environ["NOTEBOOK_PYTHON"],
    python_path=os.environ["NOTEBOOK_PYTHON"],
    to=os.environ["NOTEBOOK_STORE"],
)

builder = SparkSession.builder.master("local[2]").appName("clusterpack-notebook")
builder = cp_spark.add_packaged_environment(builder, env)
builder = cp_spark.add_editable_requirements(builder, env)
spark = builder.getOrCreate()

df = spark.createDataFrame([(1, 1.0), (1, 2.0), (2, 3.0), (2, 5.0), (2, 10.0)], ("id", "v"))


@pandas_udf("double")
def mean_fn(v: pd.Series) -> float:
    import tabulate  # noqa: F401  only in the shipped environment

    import nbcode  # the shipped code zip

    return v.mean() * nbcode.ONE


@pandas_udf("string")
def where(v: pd.Series) -> str:
    import sys

    import tabulate

    return json.dumps({"prefix": sys.prefix, "tabulate": tabulate.__file__})


rows = df.groupby("id").agg(mean_fn(df["v"]).alias("mean"), where(df["v"]).alias("where")).orderBy("id").collect()
result = {"env": env.url, "rows": [{"id": r["id"], "mean": r["mean"], "where": json.loads(r["where"])} for r in rows]}
spark.stop()
print("NOTEBOOK-RESULT " + json.dumps(result), flush=True)
