"""Flink settings of an uploaded environment, from ``clusterpack flink-args``."""

import os
import tempfile
from typing import Any, Dict

from clusterpack import Environment
from clusterpack._cli import flag_args, run_json


def config(env: Environment, **options: Any) -> Dict[str, Any]:
    """What ``clusterpack flink-args --style json`` prints for ``env``: a dict
    with ``conf`` (the configuration keys: ``python.archives``,
    ``python.executable``, ``python.files``...), ``args`` (``flink run``
    options) and ``notes``. Other keywords are flink-args' flags
    (``execution_mode="thread"``, ``client_python=``)."""
    fd, manifest = tempfile.mkstemp(prefix="clusterpack-env-", suffix=".json")
    os.close(fd)
    try:
        env.write(manifest)
        return run_json(["flink-args", "--manifest=" + manifest, "--style=json"] + flag_args(options))
    finally:
        os.remove(manifest)
