# The bootstrap's JSON (the json module's C scanner and encoder, driven by
# bootstrap.py without importing json) against the json module itself:
# check(ns) raises on the first difference, ns being the bootstrap's
# namespace (TestInProcessBootstrapJSON).
import json
def check(ns):
    loads, dumps, plain = ns["_cp_loads"], ns["_cp_dumps"], ns["_cp_dumps_plain"]
    docs = ['1', ' [1, 2.5e3, -0.0, 1e400, "x"] ', '{"a": {"b": [true, false, null]}, "c": "\\u00e9\\ud83d\\ude00\\/"}',
            '"plain"', '123456789012345678901234567890', '[]', '{}', '\t{"k": "v"}\n', 'NaN', '[Infinity, -Infinity]',
            '{"a": 1, "a": 2}', '"\\u2028"', '3.14159', '-12', '[[[[[]]]]]']
    for d in docs:
        want, got = json.loads(d), loads(d)
        if repr(want) != repr(got):
            raise AssertionError((d, want, got))
    for bad in ['', ' ', '[1,', '{"a" 1}', '1 2', 'nul', '"unterminated', '[1] x', '\x00']:
        try:
            json.loads(bad)
            raise AssertionError("json accepted %r" % bad)
        except json.JSONDecodeError as e:
            want = str(e)
        try:
            loads(bad)
            raise AssertionError("accepted %r" % bad)
        except json.JSONDecodeError as e:
            if str(e) != want:
                raise AssertionError((bad, str(e), want))
    enc = json.JSONEncoder(allow_nan=False)
    vals = [1, "é😀\u2028", [1, 2.5, -0.0, 1e300], {"a": [None, True, False], 1: "int key", 2.5: "f", None: "n", True: "t"},
            "", [], {}, (1, 2), 10**40, {"nested": {"deep": [{"x": "y"}]}}]
    for v in vals:
        if dumps(v) != enc.encode(v) or plain(v) != json.dumps(v):
            raise AssertionError((v, dumps(v), enc.encode(v)))
    # NaN: the rule of _cp_dumps
    if dumps([float("nan"), float("inf")]) != '["NaN", "Infinity"]':
        raise AssertionError(dumps([float("nan")]))
    if plain([float("nan")]) != json.dumps([float("nan")]):
        raise AssertionError("plain nan")
    # errors: unencodable, circular, bad keys; and no markers left behind
    for bad in [object(), {(1, 2): 1}]:
        try:
            dumps(bad)
            raise AssertionError("encoded %r" % (bad,))
        except TypeError:
            pass
    c = []
    c.append(c)
    for _ in range(3):
        try:
            dumps(c)
            raise AssertionError("circular")
        except ValueError as e:
            if "Circular reference" not in str(e):
                raise
    l = [1]
    for _ in range(3):
        if dumps([l, l]) != "[[1], [1]]":
            raise AssertionError("shared list")
    return "ok"
