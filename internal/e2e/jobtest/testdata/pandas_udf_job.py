# The pandas UDF example of the talk "Building reproducible distributed
# applications at scale": group by id, mean of v, expected 1.5 and 6.0.
# Each UDF call also reports where its Python runs from, and imports a
# package that only the shipped environment has.
import importlib.util
import json
import os
import sys

import pandas as pd
from pyspark.sql import SparkSession
from pyspark.sql.functions import pandas_udf

# In client mode the driver must not have the shipped-only package: a UDF
# that imports it proves the executors run the shipped environment. In
# YARN's cluster mode the driver runs the shipped environment too
# (JOBTEST_DRIVER=shipped), and reports where from.
if os.environ.get("JOBTEST_DRIVER") != "shipped":
    assert importlib.util.find_spec("tabulate") is None, "the driver's Python has tabulate: the test proves nothing"

spark = SparkSession.builder.appName("clusterpack-jobtest").getOrCreate()
df = spark.createDataFrame([(1, 1.0), (1, 2.0), (2, 3.0), (2, 5.0), (2, 10.0)], ("id", "v"))


@pandas_udf("double")
def mean_fn(v: pd.Series) -> float:
    import tabulate  # noqa: F401  only in the shipped environment

    return v.mean()


def modes():
    """The permission bits of the unpacked archive's files, when the
    working directory has one ("environment"): what an archive's
    unpacker made of them."""
    out = {}
    for rel in ("environment", "environment/bin/python", "environment/pyvenv.cfg"):
        p = os.path.join(os.getcwd(), rel)
        if os.path.exists(p):
            out[rel] = "%04o" % (os.stat(p).st_mode & 0o7777)
    return out


def report():
    import pyarrow

    try:
        import tabulate

        tab = tabulate.__file__
    except ImportError:
        tab = ""
    return {
        "prefix": sys.prefix,
        "executable": sys.executable,
        "cwd": os.getcwd(),
        "tabulate": tab,
        "pandas": pd.__file__,
        "pyarrow": pyarrow.__file__,
        "version": "%d.%d" % sys.version_info[:2],
        "modes": modes(),
        # The unpacked archive itself ("environment" may be a link to it,
        # as on YARN, where it lies in the NodeManager's cache).
        "envroot": os.path.realpath("environment") if os.path.exists("environment") else "",
        # The layers of a layered environment beside it ("layer-<hash>",
        # links into the NodeManager's cache on YARN), and where the
        # modules really come from.
        "layers": {d: os.path.realpath(d) for d in sorted(os.listdir(".")) if d.startswith("layer-")},
        "real": {m.__name__: os.path.realpath(m.__file__) for m in (pd, pyarrow)},
    }


@pandas_udf("string")
def where(v: pd.Series) -> str:
    import tabulate  # noqa: F401  only in the shipped environment

    return json.dumps(report())


rows = df.groupby("id").agg(mean_fn(df["v"]).alias("mean"), where(df["v"]).alias("where")).orderBy("id").collect()
driver = report()
result = json.dumps([{"id": r["id"], "mean": r["mean"], "where": json.loads(r["where"]), "driver": driver} for r in rows])
# The result goes to a file of its own when the test names one: Spark's
# and Flink's logs share the job's output and can split a long line.
if os.environ.get("JOBTEST_RESULT_FILE"):
    with open(os.environ["JOBTEST_RESULT_FILE"], "w") as f:
        f.write(result)
print("JOBTEST-RESULT " + result, flush=True)
spark.stop()
