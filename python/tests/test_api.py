"""Tests of the clusterpack Python API, run in a virtualenv the wheel was
installed into (scripts/dist's test). The environment gives:

  CLUSTERPACK_TEST_FIND_LINKS  a directory holding tinypkg-1.0-py3-none-any.whl,
                               which is installed in the venv too
  CLUSTERPACK_TEST_WHEEL_VERSION  the version of the installed wheel
  CLUSTERPACK_TEST_STORE  an empty directory to upload to
"""

import json
import os
import sys
import tempfile
import unittest

import clusterpack
from clusterpack import flink, spark
from clusterpack._cli import flag_args


def offline(**kw):
    kw.setdefault("no_index", True)
    kw.setdefault("find_links", [os.environ["CLUSTERPACK_TEST_FIND_LINKS"]])
    kw.setdefault("to", os.environ["CLUSTERPACK_TEST_STORE"])
    kw.setdefault("python", sys.executable)
    return kw


class VersionTest(unittest.TestCase):
    def test_version_is_the_wheels(self):
        v = clusterpack.version()
        self.assertIn("version", v)
        self.assertTrue(v["platform"].startswith(("linux/", "darwin/")), v)
        import importlib.metadata as md  # noqa: F401  (3.8+)

        self.assertEqual(md.version("clusterpack"), os.environ["CLUSTERPACK_TEST_WHEEL_VERSION"])

    def test_binary_is_the_venvs(self):
        self.assertEqual(os.path.dirname(clusterpack.find_binary()), os.path.dirname(sys.executable))


class ErrorTest(unittest.TestCase):
    def test_usage_error(self):
        with self.assertRaises(clusterpack.UsageError) as cm:
            clusterpack.upload_env(requirements=["numpy==="], **offline())
        e = cm.exception
        self.assertEqual(e.exit_code, 2)
        self.assertIn('requirement "numpy==="', e.message)
        self.assertNotIn("clusterpack --help", e.message)
        self.assertIsInstance(e, clusterpack.Error)
        self.assertEqual(e.argv[1:3], ["upload", "--json"])

    def test_missing_lock(self):
        missing = os.path.join(tempfile.mkdtemp(), "pylock.toml")
        with self.assertRaises(clusterpack.Error) as cm:
            clusterpack.upload_env(lock=missing, to=os.environ["CLUSTERPACK_TEST_STORE"])
        self.assertEqual(cm.exception.exit_code, 1)
        self.assertNotIsInstance(cm.exception, clusterpack.UsageError)
        self.assertIn(missing, cm.exception.message)
        self.assertIn("does not exist", str(cm.exception))

    def test_unknown_option(self):
        with self.assertRaises(clusterpack.UsageError) as cm:
            clusterpack.upload_env(requirements=["tinypkg"], no_such_option=True, **offline())
        self.assertIn("no-such-option", cm.exception.message)

    def test_nothing_found(self):
        with self.assertRaises(clusterpack.Error) as cm:
            clusterpack.upload_env(requirements=["tinypkg>=2"], **offline())
        self.assertIn("tinypkg", cm.exception.message)

    def test_binary_not_found(self):
        old = os.environ.get("CLUSTERPACK_BINARY")
        os.environ["CLUSTERPACK_BINARY"] = "/nonexistent/clusterpack"
        try:
            with self.assertRaises(clusterpack.BinaryNotFoundError) as cm:
                clusterpack.version()
            self.assertIn("/nonexistent/clusterpack", cm.exception.message)
        finally:
            if old is None:
                del os.environ["CLUSTERPACK_BINARY"]
            else:
                os.environ["CLUSTERPACK_BINARY"] = old

    def test_environment_needs_url(self):
        with self.assertRaises(clusterpack.Error):
            clusterpack.Environment({"archive": "dist/env.zip"})

    def test_spark_cluster_mode_on_local(self):
        env = clusterpack.upload_env(requirements=["tinypkg==1.0"], **offline())
        with self.assertRaises(clusterpack.Error) as cm:
            spark.config(env, master="local[2]", deploy_mode="cluster")
        self.assertIn("client mode", cm.exception.message)


class FlagArgsTest(unittest.TestCase):
    def test_flags(self):
        self.assertEqual(
            flag_args({"s3_endpoint": "http://x", "no_index": True, "pre": False, "verify": None, "find_links": ["a", "b"]}),
            ["--find-links=a", "--find-links=b", "--no-index", "--s3-endpoint=http://x"],
        )


class UploadTest(unittest.TestCase):
    def test_upload_and_configs(self):
        env = clusterpack.upload_env(requirements=["tinypkg==1.0"], format="zip", **offline())
        self.assertTrue(env.url.startswith("file://") or env.url.startswith("/"), env.url)
        self.assertEqual(env.format, "zip")
        self.assertEqual(len(env.sha256), 64)
        self.assertTrue(env.interpreter.endswith("bin/python"), env.interpreter)
        self.assertEqual([p["name"] for p in env.manifest["packages"]], ["tinypkg"])
        again = clusterpack.upload_env(requirements=["tinypkg==1.0"], format="zip", **offline())
        self.assertEqual(again.url, env.url)
        self.assertFalse(again.manifest["uploaded"])

        c = spark.config(env, master="yarn")
        self.assertEqual(c["kind"], "yarn")
        self.assertIn(env.url.replace("file://", "file://"), c["conf"]["spark.yarn.dist.archives"])
        self.assertEqual(c["conf"]["spark.pyspark.python"], "./" + env.interpreter.lstrip("./"))

        class Builder:
            def __init__(self):
                self._options = {"spark.master": "yarn"}

            def config(self, k, v):
                self._options[k] = v
                return self

        b = Builder()
        self.assertIs(spark.add_packaged_environment(b, env), b)
        self.assertIn("spark.yarn.dist.archives", b._options)
        self.assertNotIn("spark.pyspark.driver.python", b._options)
        self.assertEqual(os.environ["PYSPARK_PYTHON"], c["conf"]["spark.pyspark.python"])

        f = flink.config(env)
        self.assertIn("python.archives", f["conf"])
        self.assertIn("-pyarch", f["args"])

    def test_code_zips(self):
        proj = tempfile.mkdtemp()
        os.makedirs(os.path.join(proj, "mymod"))
        with open(os.path.join(proj, "mymod", "__init__.py"), "w") as fh:
            fh.write("X = 1\n")
        env = clusterpack.upload_env(requirements=["tinypkg==1.0"], code=[proj], **offline())
        self.assertEqual(len(env.code), 1)
        c = spark.config(env, master="yarn")
        self.assertEqual(len(c["py_files"]), 1)

        class Builder:
            _options = {"spark.master": "yarn"}

            def config(self, k, v):
                self._options = dict(self._options, **{k: v})
                return self

        b = spark.add_editable_requirements(Builder(), env)
        self.assertEqual(b._options["spark.submit.pyFiles"], c["py_files"][0])

    def test_default_ships_the_running_venv(self):
        # This venv has clusterpack (always left out), tinypkg, and pip and
        # setuptools when pip made it.
        env = clusterpack.upload_env(exclude=["pip", "setuptools"], **offline())
        self.assertEqual([p["name"] for p in env.manifest["packages"]], ["tinypkg"])

    def test_manifest_round_trip(self):
        env = clusterpack.upload_env(requirements=["tinypkg==1.0"], **offline())
        path = os.path.join(tempfile.mkdtemp(), "env.json")
        env.write(path)
        back = clusterpack.Environment.from_file(path)
        self.assertEqual((back.url, back.sha256, back.code), (env.url, env.sha256, env.code))
        with open(path) as fh:
            self.assertEqual(json.load(fh)["url"], env.url)


if __name__ == "__main__":
    unittest.main(verbosity=2)
