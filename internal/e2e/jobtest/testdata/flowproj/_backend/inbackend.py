"""A minimal PEP 517 / PEP 660 backend for the flow test's project: an
editable install is a wheel with a .pth file naming the project's
directory."""
import base64
import hashlib
import os
import zipfile

NAME, VERSION = "flowproj", "0.1"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DIST_INFO = "%s-%s.dist-info" % (NAME, VERSION)
METADATA = "Metadata-Version: 2.1\nName: %s\nVersion: %s\nRequires-Dist: tabulate\n" % (NAME, VERSION)
WHEEL = "Wheel-Version: 1.0\nGenerator: inbackend\nRoot-Is-Purelib: true\nTag: py3-none-any\n"


def _wheel(directory, files):
    name = "%s-%s-py3-none-any.whl" % (NAME, VERSION)
    files = dict(files)
    files[DIST_INFO + "/METADATA"] = METADATA.encode()
    files[DIST_INFO + "/WHEEL"] = WHEEL.encode()
    record = []
    for path, data in sorted(files.items()):
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append("%s,sha256=%s,%d" % (path, digest, len(data)))
    record.append(DIST_INFO + "/RECORD,,")
    files[DIST_INFO + "/RECORD"] = ("\n".join(record) + "\n").encode()
    with zipfile.ZipFile(os.path.join(directory, name), "w") as z:
        for path, data in sorted(files.items()):
            z.writestr(path, data)
    return name


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_editable(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    files = {}
    pkg = os.path.join(ROOT, NAME)
    for f in sorted(os.listdir(pkg)):
        if f.endswith(".py"):
            with open(os.path.join(pkg, f), "rb") as fh:
                files[NAME + "/" + f] = fh.read()
    return _wheel(wheel_directory, files)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    return _wheel(wheel_directory, {NAME + ".pth": (ROOT + "\n").encode()})


def build_sdist(sdist_directory, config_settings=None):
    raise NotImplementedError("the flow test installs this project editable only")
