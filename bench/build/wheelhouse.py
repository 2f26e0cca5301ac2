"""Copy the exact files a clusterpack build used into one wheelhouse.

    python wheelhouse.py CACHE_DIR LOCK WHEELHOUSE

CACHE_DIR is the CLUSTERPACK_CACHE_DIR of a build of LOCK (a pylock.toml
with index URLs). A package locked as a wheel is taken from the artifact
cache (CACHE_DIR/artifacts/sha256/<2>/<sha256>/<filename>, the sha256 of the
lock); a package locked as an sdist only (pyspark) is taken from the wheels
clusterpack built from it (CACHE_DIR/wheels/<name>-<version>-*.whl).
Prints one "name version filename" line per package.
"""
import glob
import os
import re
import shutil
import sys
import tomllib

cache, lock, wheelhouse = sys.argv[1:]
os.makedirs(wheelhouse, exist_ok=True)
for p in tomllib.load(open(lock, "rb"))["packages"]:
    wheels = p.get("wheels", [])
    if wheels:
        if len(wheels) != 1:
            sys.exit(f"wheelhouse.py: {p['name']}: {len(wheels)} wheels in the lock, want one")
        w = wheels[0]
        sha = w["hashes"]["sha256"]
        src = os.path.join(cache, "artifacts", "sha256", sha[:2], sha, w["url"].rsplit("/", 1)[1])
    else:
        n = re.sub(r"[-_.]+", "_", p["name"]).lower()
        found = glob.glob(os.path.join(cache, "wheels", f"{n}-{p['version']}-*.whl"))
        if len(found) != 1:
            sys.exit(f"wheelhouse.py: {p['name']} {p['version']}: want one built wheel in {cache}/wheels, found {found}")
        src = found[0]
    if not os.path.isfile(src):
        sys.exit(f"wheelhouse.py: {p['name']}: {src} missing")
    shutil.copyfile(src, os.path.join(wheelhouse, os.path.basename(src)))
    print(p["name"], p["version"], os.path.basename(src))
