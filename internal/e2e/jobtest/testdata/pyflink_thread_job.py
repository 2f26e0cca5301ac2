# A PyFlink job whose Python UDF runs in thread mode: inside the
# TaskManager's JVM through PEMJA, on the environment that `clusterpack
# flink-args --execution-mode thread` shipped. The UDF doubles a value and
# reports where its Python and its packages come from, importing a package
# that only the shipped environment has.
import importlib.util
import json
import os
import sys

from pyflink.table import DataTypes, EnvironmentSettings, TableEnvironment
from pyflink.table.expressions import col
from pyflink.table.udf import udf

assert importlib.util.find_spec("tabulate") is None, "the client's Python has tabulate: the test proves nothing"


@udf(result_type=DataTypes.DOUBLE())
def double(v):
    import tabulate  # noqa: F401  only in the shipped environment

    return v * 2


@udf(result_type=DataTypes.STRING())
def where(v):
    import threading

    import pyflink
    import tabulate

    return json.dumps({
        "prefix": sys.prefix,
        "executable": sys.executable,
        "cwd": os.getcwd(),
        "pid": os.getpid(),
        "thread": threading.current_thread().name,
        "tabulate": tabulate.__file__,
        "pyflink": pyflink.__file__,
        "path": sys.path,
        "version": "%d.%d" % sys.version_info[:2],
    })


t_env = TableEnvironment.create(EnvironmentSettings.in_batch_mode())
table = t_env.from_elements(
    [(1, 1.0), (2, 3.0)],
    DataTypes.ROW([DataTypes.FIELD("id", DataTypes.BIGINT()), DataTypes.FIELD("v", DataTypes.DOUBLE())]),
)
result = table.select(col("id"), double(col("v")).alias("doubled"), where(col("v")).alias("where"))
with result.execute().collect() as results:
    rows = sorted(([r[0], r[1], r[2]] for r in results), key=lambda r: r[0])
result = json.dumps([{"id": i, "doubled": d, "where": json.loads(w)} for i, d, w in rows])
if os.environ.get("JOBTEST_RESULT_FILE"):
    with open(os.environ["JOBTEST_RESULT_FILE"], "w") as f:
        f.write(result)
print("JOBTEST-RESULT " + result, flush=True)
