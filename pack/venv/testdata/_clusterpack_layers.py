"""Puts the layers of this clusterpack environment on sys.path.

Imported by _clusterpack_layers.pth at interpreter start. See the
documentation of clusterpack's pack/venv package.
"""
import os
import site
import sys

LAYERS = (
    "layer-aaa",
    "layer-bbb",
)
SITE_PACKAGES = "lib/python3.11/site-packages"
EXTENSION = ".zip"


def _norm(p):
    return os.path.normcase(os.path.abspath(p))


def _load():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(os.path.dirname(here)))
    parents = [os.path.dirname(root), os.path.dirname(os.path.realpath(root))]
    try:
        parents.append(os.getcwd())
    except OSError:
        pass
    seen = set()
    places = []
    for p in parents:
        if _norm(p) not in seen:
            seen.add(_norm(p))
            places.append(p)
    on_path = [_norm(p) for p in sys.path if p]
    on_path_real = set(os.path.normcase(os.path.realpath(p)) for p in sys.path if p)
    for layer in LAYERS:
        tail = os.path.normcase(os.sep + os.path.join(layer, SITE_PACKAGES))
        if any(p.endswith(tail) for p in on_path):
            continue
        for parent in places:
            sp = os.path.join(parent, layer, SITE_PACKAGES)
            if os.path.isdir(sp):
                if os.path.normcase(os.path.realpath(sp)) not in on_path_real:
                    site.addsitedir(sp)
                break
        else:
            sys.stderr.write(
                "clusterpack: layer %s of the environment %s is missing (looked in %s): "
                "ship it beside the environment, e.g. --archives <URL of %s%s>#%s "
                "(clusterpack's spark-args and flink-args print it); going on without it\n"
                % (layer, root, ", ".join(places), layer, EXTENSION, layer))
            sys.stderr.flush()


_load()
