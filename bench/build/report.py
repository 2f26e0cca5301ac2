"""Print the build benchmark's tables from the files build.sh wrote.

    python report.py WORK

WORK/times.tsv: tool, mode (cold, warm, existing), run, seconds ("fail"),
peak RSS in KiB, archive bytes. WORK/steps.tsv: the same per step of the
uv + venv-pack pipeline. WORK/verify.tsv: tool, ok/FAIL, what it printed.
"""
import statistics
import sys
from pathlib import Path

work = Path(sys.argv[1])
LABELS = {
    "limit": "limit: `cat wheelhouse/*.whl > out`",
    "limit-sha": "limit + sha256 of the output (bench/build/rawcopy)",
    "cp-pex": "clusterpack build --format pex",
    "cp-zip": "clusterpack build --format zip",
    "cp-targz": "clusterpack build --format tar.gz",
    "pex": "pex -r reqs.txt (zipapp)",
    "uv": "uv venv + uv pip install + venv-pack (tar.gz)",
}

def load(name):
    rows = {}
    p = work / name
    if not p.exists():
        return rows
    for line in p.read_text().splitlines():
        f = line.split("\t")
        rows.setdefault(tuple(f[:-4]), []).append(f[-4:])
    return rows

times = load("times.tsv")  # (tool, mode) -> [[rep, sec, kb, size]]
steps = load("steps.tsv")  # (tool, mode, step) -> [...]
verify = {}
if (work / "verify.tsv").exists():
    for line in (work / "verify.tsv").read_text().splitlines():
        tool, res, detail = (line.split("\t") + ["", ""])[:3]
        verify[tool] = (res, detail)

def secs(key):
    return [float(r[1]) for r in times.get(key, []) + steps.get(key, []) if r[1] != "fail"]

def med(tool, mode):
    v = secs((tool, mode))
    return statistics.median(v) if v else None

def mn(tool, mode):
    v = secs((tool, mode))
    return min(v) if v else None

def cell(key):
    rs = times.get(key, []) or steps.get(key, [])
    v = [float(r[1]) for r in rs if r[1] != "fail"]
    if not v:
        return "fail" if rs else "-"
    c = f"{statistics.median(v):.2f} ({min(v):.2f})"
    if len(v) == 1:
        c += " n=1"
    if len(v) < len(rs):
        c += f" {len(rs) - len(v)} failed"
    return c

def peak(tool):
    kb = [int(r[2]) for (t, m), rs in times.items() if t == tool for r in rs if r[2].isdigit()]
    return f"{max(kb) / 1024:.0f}" if kb else "-"

def size(tool):
    s = [int(r[3]) for (t, m), rs in times.items() if t == tool for r in rs if r[3].isdigit()]
    return f"{max(s) / 2**20:.1f}" if s else "-"

tools = [t for t in LABELS if any(k[0] == t for k in times)]
print("Seconds, median (min) of the runs; peak RSS is the largest of any run (the")
print("largest single process of the tool's process tree); archive in MiB.\n")
print("| tool | cold | warm | existing archive | peak MB | archive MiB | imports |")
print("|---|---:|---:|---:|---:|---:|---|")
for t in tools:
    v = verify.get(t, ("-", ""))
    check = v[0] if not t.startswith("limit") else "n/a"
    print(f"| {LABELS[t]} | {cell((t, 'cold'))} | {cell((t, 'warm'))} | {cell((t, 'existing'))} | {peak(t)} | {size(t)} | {check} |")
print()
for mode in ("cold", "warm"):
    parts = [f"{s} {cell(('uv', mode, s))}" for s in ("venv", "install", "pack") if ("uv", mode, s) in steps]
    if parts:
        print(f"uv pipeline steps, {mode}: " + ", ".join(parts))
print()

def ratio(a, b):
    return a / b if a and b else None

def fmt(r):
    return f"{r:.2f}x" if r else "-"

print("Ratios of medians, cold and warm; and of the minimums, warm (the least disturbed runs):\n")
print("| ratio | cold | warm | warm, mins | aim |")
print("|---|---:|---:|---:|---|")
pairs = [
    ("pex / clusterpack pex", "pex", "cp-pex", False, ">= 20x warm"),
    ("uv+venv-pack / clusterpack tar.gz", "uv", "cp-targz", False, ""),
    ("uv+venv-pack / clusterpack zip", "uv", "cp-zip", False, ""),
    ("clusterpack pex / limit", "cp-pex", "limit", True, "<= 2x"),
    ("clusterpack zip / limit", "cp-zip", "limit", True, "<= 2x"),
    ("clusterpack tar.gz / limit", "cp-targz", "limit", True, "<= 2x"),
    ("clusterpack pex / limit + sha256", "cp-pex", "limit-sha", True, ""),
    ("clusterpack zip / limit + sha256", "cp-zip", "limit-sha", True, ""),
]
verdicts = []
for name, a, b, limit_row, aim in pairs:
    r = {}
    for mode in ("cold", "warm"):
        # The limit has no cache: its one figure serves cold and warm.
        r[mode] = ratio(med(a, mode), med(b, "warm" if limit_row else mode))
    rmin = ratio(mn(a, "warm"), mn(b, "warm"))
    print(f"| {name} | {fmt(r['cold'])} | {fmt(r['warm'])} | {fmt(rmin)} | {aim} |")
    if aim.startswith(">= 20"):
        verdicts.append(f"{name} warm {fmt(r['warm'])}: {'met' if r['warm'] and r['warm'] >= 20 else 'MISSED'}")
    elif aim:
        for mode in ("cold", "warm"):
            verdicts.append(f"{name} {mode} {fmt(r[mode])}: {'met' if r[mode] and r[mode] <= 2 else 'MISSED'}")
print()
for t in ("cp-pex", "cp-zip", "cp-targz"):
    if peak(t) != "-":
        verdicts.append(f"{LABELS[t]} peak {peak(t)} MB < 300: {'met' if float(peak(t)) < 300 else 'MISSED'}")
print("Aims:")
for v in verdicts:
    print("  " + v)
print()
print("Import check (python3.11 -c 'import pandas, pyarrow, pyspark' with each archive):")
for t, (res, detail) in verify.items():
    print(f"  {t}: {res} {detail}")
