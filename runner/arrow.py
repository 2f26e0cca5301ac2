# clusterpack runner: one call per record batch of an Arrow IPC file
# (RunArrow, run --input FILE.arrow). Run as a set-up statement in every
# worker's namespace; _cp_arrow_init(config) follows it. The file is
# memory-mapped (pyarrow.memory_map): a batch's buffers are views of the
# mapping, and with --batch pandas or series the DataFrame is made with
# split_blocks=True, so numeric columns without nulls stay views too.


def _cp_arrow_init(config_json):
    import json

    cfg = json.loads(config_json)
    try:
        import pyarrow
        import pyarrow.ipc
    except ImportError:
        raise ModuleNotFoundError(
            "reading %s needs pyarrow in the archive: add pyarrow to the requirements and build the archive again" % cfg["file"],
            name="pyarrow",
        ) from None
    if cfg["batch"] in ("pandas", "series"):
        try:
            import pandas
        except ImportError:
            raise ModuleNotFoundError(
                "batches as pandas (--batch %s) need pandas in the archive: add pandas to the requirements, or use --batch arrow" % cfg["batch"],
                name="pandas",
            ) from None
    global _cp_arrow_state
    _cp_arrow_state = {"cfg": cfg, "pa": pyarrow, "fn": None, "source": None, "reader": None, "next": 0}


def _cp_arrow_resolve(target):
    import importlib

    mod, _, attr = target.partition(":") if ":" in target else target.rpartition(".")
    obj = importlib.import_module(mod)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def _cp_arrow_read(st, i):
    """Batch i: by index in the file format, by reading on in the stream
    format (from the start again when an earlier batch is asked for)."""
    pa, cfg = st["pa"], st["cfg"]
    if cfg["format"] == "file":
        if st["reader"] is None:
            st["source"] = pa.memory_map(cfg["file"])
            st["reader"] = pa.ipc.open_file(st["source"])
        return st["reader"].get_batch(i)
    if st["reader"] is None or st["next"] > i:
        st["source"] = pa.memory_map(cfg["file"])
        st["reader"] = pa.ipc.open_stream(st["source"])
        st["next"] = 0
    while True:
        b = st["reader"].read_next_batch()
        st["next"] += 1
        if st["next"] > i:
            return b


def _cp_arrow_value(v):
    """A result as JSON-ready data: a DataFrame is its rows (a list of
    objects), a Series, NumPy array or Arrow array its values, an Arrow
    batch or table its rows; anything else as it is."""
    mod = type(v).__module__ or ""
    if mod.startswith("pandas"):
        if hasattr(v, "to_dict") and hasattr(v, "columns"):
            return v.to_dict(orient="records")
        if hasattr(v, "tolist"):
            return v.tolist()
    if mod.startswith("pyarrow") and hasattr(v, "to_pylist"):
        return v.to_pylist()
    return v


def _cp_arrow_batch(i):
    st = _cp_arrow_state
    if st["fn"] is None:
        st["fn"] = _cp_arrow_resolve(st["cfg"]["function"])
    batch = _cp_arrow_read(st, i)
    kind = st["cfg"]["batch"]
    if kind == "arrow":
        return _cp_arrow_value(st["fn"](batch))
    df = batch.to_pandas(split_blocks=True)
    if kind == "series":
        return _cp_arrow_value(st["fn"](*[df[c] for c in df.columns]))
    return _cp_arrow_value(st["fn"](df))
