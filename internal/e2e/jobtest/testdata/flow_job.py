# The talk's whole flow, its job: the executors import the project's code
# from the code zip on --py-files, the driver from the editable install in
# the user's virtualenv; each reports what it saw.
import json
import os
import sys

import pandas as pd
from pyspark.sql import SparkSession
from pyspark.sql.functions import pandas_udf

spark = SparkSession.builder.appName("clusterpack-flow").getOrCreate()
df = spark.createDataFrame([(1, 1.0), (1, 2.0), (2, 3.0)], ("id", "v"))


@pandas_udf("string")
def where(v: pd.Series) -> str:
    import flowproj

    return json.dumps({"greeting": flowproj.greeting(), "file": flowproj.__file__,
                       "executable": sys.executable, "cwd": os.getcwd()})


rows = df.groupby("id").agg(where(df["v"]).alias("w")).orderBy("id").collect()
import flowproj  # noqa: E402

result = json.dumps({"executors": [json.loads(r["w"]) for r in rows],
                     "driver": {"greeting": flowproj.greeting(), "file": flowproj.__file__, "executable": sys.executable}})
if os.environ.get("JOBTEST_RESULT_FILE"):
    with open(os.environ["JOBTEST_RESULT_FILE"], "w") as f:
        f.write(result)
print("JOBTEST-RESULT " + result, flush=True)
spark.stop()
