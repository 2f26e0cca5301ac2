"""clusterpack from Python: ship a reproducible environment to a cluster.

A thin layer over the ``clusterpack`` binary installed with this package:
each call runs one command with ``--json`` and returns what it printed.
Nothing is decided here that the command does not decide.

    import clusterpack
    from clusterpack import spark as cp_spark
    from pyspark.sql import SparkSession

    env = clusterpack.upload_env(requirements=["pandas", "pyarrow"], to="s3://bucket/envs")
    builder = SparkSession.builder.master("yarn")
    cp_spark.add_packaged_environment(builder, env)
    cp_spark.add_editable_requirements(builder, env)
    spark = builder.getOrCreate()

With no inputs, ``upload_env()`` ships the running virtualenv
(``sys.prefix``) and its editable installs as code zips.
"""

import json
import os
import sys
from typing import Any, Dict, Iterable, List, Optional, Union

from clusterpack._cli import find_binary, flag_args, run, run_json
from clusterpack.errors import BinaryNotFoundError, Error, UsageError

__all__ = [
    "BinaryNotFoundError",
    "Environment",
    "Error",
    "UsageError",
    "find_binary",
    "upload_env",
    "version",
]

PathLike = Union[str, "os.PathLike[str]"]


class Environment:
    """An uploaded environment: the manifest ``clusterpack upload --json`` printed.

    ``url`` is where the archive is stored, ``sha256`` its digest,
    ``format`` one of ``zip``, ``tar.gz`` or ``pex``, ``interpreter`` the
    Python inside it (relative to the unpacked archive), ``code`` the URLs
    of the code zips and ``manifest`` the whole manifest as a dict.
    """

    def __init__(self, manifest: Dict[str, Any]) -> None:
        if not isinstance(manifest, dict) or not manifest.get("url"):
            raise Error("not an upload manifest (it has no url): %r" % (manifest,))
        self.manifest: Dict[str, Any] = manifest
        self.url: str = manifest["url"]
        self.sha256: str = manifest.get("sha256", "")
        self.format: str = manifest.get("format", "")
        self.interpreter: str = manifest.get("interpreter", "")
        self.code: List[str] = [c["url"] for c in manifest.get("code") or []]

    @classmethod
    def from_file(cls, path: PathLike) -> "Environment":
        """Read an upload manifest, as ``clusterpack upload --manifest FILE`` writes it."""
        with open(path) as f:
            return cls(json.load(f))

    def write(self, path: PathLike) -> None:
        """Write the manifest to ``path``, for ``--manifest`` of spark-args and flink-args."""
        with open(path, "w") as f:
            json.dump(self.manifest, f)

    def __repr__(self) -> str:
        return "Environment(url=%r, format=%r, code=%r)" % (self.url, self.format, self.code)


def _many(value: Union[None, str, PathLike, Iterable[Any]]) -> List[str]:
    if value is None:
        return []
    if isinstance(value, (str, os.PathLike)):
        return [os.fspath(value)]
    return [os.fspath(v) if isinstance(v, os.PathLike) else str(v) for v in value]


def upload_env(
    package_path: Optional[PathLike] = None,
    *,
    requirements: Union[None, str, Iterable[str]] = None,
    lock: Optional[PathLike] = None,
    from_venv: Optional[PathLike] = None,
    code: Iterable[PathLike] = (),
    to: Optional[str] = None,
    python: Optional[str] = None,
    platform: Union[None, str, Iterable[str]] = None,
    format: Optional[str] = None,
    exclude: Iterable[str] = (),
    **options: Any,
) -> Environment:
    """Lock, build and upload an environment, sending only what the store lacks.

    Runs ``clusterpack upload --json``. ``package_path`` is a project
    directory, ``pyproject.toml``, requirements file, wheel or sdist;
    ``requirements`` are requirement strings (``"pandas==2.2.3"``) or
    paths, like the command's arguments; ``lock`` a ``pylock.toml``;
    ``from_venv`` a virtualenv whose installed packages are shipped;
    ``code`` project directories shipped as code zips; ``to`` the store
    (``s3://bucket/prefix``, ``hdfs://nn:port/path``, a directory; default
    a local store); ``python`` and ``platform`` the cluster's Python
    version and platform tags; ``format`` ``zip``, ``tar.gz`` or ``pex``;
    ``exclude`` packages to leave out (resolved, then dropped; their
    dependencies stay unless excluded too: ``exclude=["pyspark", "py4j"]``
    for a Spark cluster's own). A virtualenv's own clusterpack is always
    left out. Any other keyword is the flag of the
    same name with dashes (``s3_endpoint="http://..."`` is
    ``--s3-endpoint``, ``no_index=True`` is ``--no-index``).

    With none of ``package_path``, ``requirements``, ``lock`` and
    ``from_venv``, the running virtualenv (``sys.prefix``) is shipped with
    its editable installs as code zips. Raises :class:`Error` with the
    command's message when it fails.
    """
    args: List[str] = ["upload", "--json"]
    if package_path is not None:
        args.append(os.fspath(package_path))
    args.extend(_many(requirements))
    if lock is None and from_venv is None and package_path is None and requirements is None and "requirement" not in options:
        from_venv = sys.prefix
    if lock is not None:
        args.append("--lock=" + os.fspath(lock))
    if from_venv is not None:
        args.append("--from-venv=" + os.fspath(from_venv))
    args.extend("--code=" + c for c in _many(code))
    if to is not None:
        args.append("--to=" + to)
    if python is not None:
        args.append("--python=" + python)
    args.extend("--platform=" + p for p in _many(platform))
    if format is not None:
        args.append("--format=" + format)
    excluded = _many(exclude)
    if from_venv is not None and "clusterpack" not in excluded:
        # This package and its binary build environments; executors need neither.
        excluded.append("clusterpack")
    args.extend("--exclude=" + e for e in excluded)
    args.extend(flag_args(options))
    return Environment(run_json(args))


def version() -> Dict[str, str]:
    """The binary's ``clusterpack version --json``: version, go_version, platform."""
    return run_json(["version", "--json"])
