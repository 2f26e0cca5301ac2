"""Spark settings of an uploaded environment, from ``clusterpack spark-args``.

The names follow cluster-pack's ``spark_config_builder``: each ``add_*``
function configures a ``SparkSession.builder`` and returns it.
"""

import os
import tempfile
from typing import Any, Dict, Optional, TypeVar

from clusterpack import Environment
from clusterpack._cli import flag_args, run_json

B = TypeVar("B")

#: The properties a session built in code takes some other way: the
#: driver is the running interpreter, and the code zips are
#: add_editable_requirements'.
_NOT_BUILDER = ("spark.pyspark.driver.python", "spark.submit.pyFiles")


def config(env: Environment, master: str = "local", deploy_mode: str = "client", **options: Any) -> Dict[str, Any]:
    """What ``clusterpack spark-args --style json`` prints for ``env``.

    A dict with ``conf`` (the Spark properties), ``args`` (spark-submit
    arguments), ``py_files`` (the code zips), ``env`` (the environment a
    driver building its session in code needs, such as ``PYSPARK_PYTHON``),
    ``master``, ``kind``, ``deploy_mode`` and ``notes``. ``master`` is
    ``local``, ``local[N]``, ``yarn``, ``k8s``, ``k8s://https://HOST:PORT``,
    ``standalone`` or ``spark://HOST:PORT``; other keywords are
    spark-args' flags (``driver_python=``, ``class_path=[...]``,
    ``s3_endpoint=``). On a local master the environment is unpacked on
    this machine first.
    """
    fd, manifest = tempfile.mkstemp(prefix="clusterpack-env-", suffix=".json")
    os.close(fd)
    try:
        env.write(manifest)
        args = ["spark-args", "--manifest=" + manifest, "--style=json", "--master=" + master, "--deploy-mode=" + deploy_mode]
        return run_json(args + flag_args(options))
    finally:
        os.remove(manifest)


def _master(builder: Any) -> Optional[str]:
    opts = getattr(builder, "_options", None)
    if isinstance(opts, dict):
        return opts.get("spark.master")
    return None


def add_packaged_environment(builder: B, env: Environment, master: Optional[str] = None, **options: Any) -> B:
    """Make the session's Python workers run ``env``; returns ``builder``.

    Sets each Spark property of :func:`config` on the builder and, as
    ``--style pyspark`` does, ``os.environ`` for the driver (``PYSPARK_PYTHON``).
    ``master`` defaults to the builder's ``spark.master``, else ``local``;
    the builder's master is not changed.
    """
    c = config(env, master=master or _master(builder) or "local", **options)
    for key, value in c["env"].items():
        os.environ[key] = value
    for key, value in sorted(c["conf"].items()):
        if key not in _NOT_BUILDER:
            builder.config(key, value)  # type: ignore[attr-defined]
    return builder


def add_editable_requirements(builder: B, env: Environment, master: Optional[str] = None, **options: Any) -> B:
    """Put ``env``'s code zips (its editable projects and ``code=``
    directories) on the executors' and the driver's ``sys.path`` through
    ``spark.submit.pyFiles``; returns ``builder``."""
    c = config(env, master=master or _master(builder) or "local", **options)
    if c["py_files"]:
        builder.config("spark.submit.pyFiles", ",".join(c["py_files"]))  # type: ignore[attr-defined]
    return builder
