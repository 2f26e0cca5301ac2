# The talk's example as a PyFlink job: group by id, mean of v (a pandas
# UDAF, expected 1.5 and 6.0), run with `flink run -py` and the options
# that `clusterpack flink-args` printed. A second UDAF reports where its
# Python runs from, and imports a package that only the shipped
# environment has.
import importlib.util
import json
import os
import sys

from pyflink.table import DataTypes, EnvironmentSettings, TableEnvironment
from pyflink.table.expressions import col
from pyflink.table.udf import udaf

# The client's Python must not have the shipped-only package: a UDF that
# imports it proves the Python workers run the shipped environment.
assert importlib.util.find_spec("tabulate") is None, "the client's Python has tabulate: the test proves nothing"


@udaf(result_type=DataTypes.DOUBLE(), func_type="pandas")
def mean_fn(v):
    import tabulate  # noqa: F401  only in the shipped environment

    return v.mean()


@udaf(result_type=DataTypes.STRING(), func_type="pandas")
def where(v):
    import pandas
    import pyarrow
    import pyflink
    import tabulate

    return json.dumps({
        "prefix": sys.prefix,
        "executable": sys.executable,
        "cwd": os.getcwd(),
        "tabulate": tabulate.__file__,
        "pandas": pandas.__file__,
        "pyarrow": pyarrow.__file__,
        "pyflink": pyflink.__file__,
        "version": "%d.%d" % sys.version_info[:2],
    })


t_env = TableEnvironment.create(EnvironmentSettings.in_batch_mode())
table = t_env.from_elements(
    [(1, 1.0), (1, 2.0), (2, 3.0), (2, 5.0), (2, 10.0)],
    DataTypes.ROW([DataTypes.FIELD("id", DataTypes.BIGINT()), DataTypes.FIELD("v", DataTypes.DOUBLE())]),
)
result = table.group_by(col("id")).select(col("id"), mean_fn(col("v")).alias("mean"), where(col("v")).alias("where"))
with result.execute().collect() as results:
    rows = sorted(([r[0], r[1], r[2]] for r in results), key=lambda r: r[0])
result = json.dumps([{"id": i, "mean": m, "where": json.loads(w)} for i, m, w in rows])
# The result goes to a file of its own when the test names one: Spark's
# and Flink's logs share the job's output and can split a long line.
if os.environ.get("JOBTEST_RESULT_FILE"):
    with open(os.environ["JOBTEST_RESULT_FILE"], "w") as f:
        f.write(result)
print("JOBTEST-RESULT " + result, flush=True)
