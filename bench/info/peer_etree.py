#!/usr/bin/env python3
"""The peer of mynaq_bench_info: the same result files read with Python's xml.etree.ElementTree
the way OQSDrug2 (YUKI-ENT/OQSDrug2, Form1.cs ProcessDrugInfoAsync2) reads them with .NET's
XmlDocument: SelectNodes over the three month paths, then for every field the first of its
three spellings that exists below the node (GetMatchingNodeName), its InnerText
(GetNodeValue), down …DateInfs/…DateInf and …DrugInfs/…DrugInf. The entries are then sorted
newest first (month, date; stable), as parse_drug_result returns them.

Times, per file, in process with time.perf_counter_ns (and time.thread_time_ns for the CPU
time), N rounds after 2 untimed, every measure once per round, the garbage collector off
(as timeit does):
  parse    bytes → element tree (Shift_JIS first decoded as CP932: pyexpat refuses multi-byte
           encodings, and .NET likewise decodes before XmlDocument sees the text)
  extract  element tree → sorted entries
  whole    open + read + parse + extract
and before them whole_gc: the whole read with the collector on, one file at a time.
Writes peer_<key>.tsv beside each file (the same 20 fields as mynaq_<key>.tsv) and prints
"key value" lines.
Usage: peer_etree.py --runs N KEY=FILE ...
"""

import argparse
import gc
import os
import platform
import sys
import time
import xml.etree.ElementTree as ET

# OQSDrug2's elementMappings, in its order (the first spelling found wins).
MAPPINGS = {
    "Org": ["DiOrg", "CzDiOrg", "ShPrOrg"],
    "DiHCd": ["MeTrDiHCd", "CzMeTrDiHCd", "ShMeTrDiHCd"],
    "HCd": ["PrlsHCd", "CzPrlsHCd", "ShPrHCd"],
    "DiHNm": ["MeTrDiHNm", "CzMeTrDiHNm", "ShMeTrDiHNm"],
    "Month": ["MeTrMonth", "CzDiMonth", "ShPrMonth"],
    "HNm": ["PrlsHNm", "CzPrlsHNm", "ShPrHNm"],
    "IsOrg": ["PrIsOrg", "CzPrIsOrg", "ShPrIsOrg"],
    "Cl": ["InOut", "CzPrCl", "ShPrCl"],
    "DateInf": ["DiDateInfs/DiDateInf", "CzDiDateInfs/CzDiDateInf", "ShPrDateInfs/ShPrDateInf"],
    "DiDate": ["DiDate", "CzDiDate", "ShPrDate"],
    "PrDate": ["PrDate", "CzPrDate", "ShPrDate"],
    "DrugInf": ["DrugInfs/DrugInf", "CzDrugInfs/CzDrugInf", "ShDrugInfs/ShDrugInf"],
    "DrugC": ["DrugC", "CzDrugC", "ShDrugC"],
    "Qua1": ["Qua1", "CzQua1", "ShQua1"],
    "UsageN": ["UsageN", "CzUsageN", "ShUsageN"],
    "SpInst": ["SpInst", "ShSpInst", "CzSpInst"],
    "Times": ["Times", "CzTimes", "ShTimes"],
    "IngreN": ["IngreN", "CzIngreN", "ShIngreN"],
    "UsageCl": ["MeTrIdCl", "CzUsageCl", "ShUsageCl"],
    "Unit": ["Unit", "CzUnit", "ShUnit"],
    "DrugN": ["DrugN", "CzDrugN", "ShDrugN"],
}
# /XmlMsg/MessageBody/…, relative to the root element.
ROOT_PATHS = [
    ("receipt", "MessageBody/MeTrMonthInf"),
    ("prescription", "MessageBody/ShPrInf/ShPrMonthInf"),
    ("dispensing", "MessageBody/CzDiInf/CzDiMonthInf"),
]


def matching(node, key):
    for name in MAPPINGS[key]:
        if node.find(name) is not None:
            return name
    return key


def value(node, key):
    found = node.find(matching(node, key))
    # InnerText; the fields are leaves, where that is the element's text.
    return "" if found is None or found.text is None else found.text


def parse(data, shift_jis):
    return ET.fromstring(data.decode("cp932") if shift_jis else data)


def extract(root):
    entries = []
    for source, path in ROOT_PATHS:
        for month in root.findall(path):
            m = (value(month, "Month"), value(month, "Org"), value(month, "DiHCd"),
                 value(month, "DiHNm"), value(month, "HCd"), value(month, "HNm"),
                 value(month, "IsOrg"), value(month, "Cl"))
            for date in month.findall(matching(month, "DateInf")):
                d = (value(date, "DiDate"), value(date, "PrDate"))
                for drug in date.findall(matching(date, "DrugInf")):
                    entries.append((source, m[0], d[0], d[1], m[1], m[2], m[3], m[4], m[5],
                                    m[6], m[7], value(drug, "DrugC"), value(drug, "DrugN"),
                                    value(drug, "IngreN"), value(drug, "Qua1"),
                                    value(drug, "Unit"), value(drug, "UsageN"),
                                    value(drug, "SpInst"), value(drug, "Times"),
                                    value(drug, "UsageCl")))
    # Newest first by (month, date); Python's sort is stable with reverse=True too.
    entries.sort(key=lambda e: (e[1], e[2]), reverse=True)
    return entries


def percentile(values, p):
    s = sorted(values)
    return s[min(int(p * (len(s) - 1) + 0.5), len(s) - 1)]


def timed_rounds(runs, measures):
    """Wall and this thread's CPU time per run, in ms, for each (key, body) in `measures`,
    taking turns round by round as mynaq_bench_info does; 2 untimed rounds first."""
    for _ in range(2):
        for _, body in measures:
            body()
    times = {key: ([], []) for key, _ in measures}
    for _ in range(runs):
        for key, body in measures:
            c0 = time.thread_time_ns()
            t0 = time.perf_counter_ns()
            body()
            times[key][0].append((time.perf_counter_ns() - t0) / 1e6)
            times[key][1].append((time.thread_time_ns() - c0) / 1e6)
    return times


def report(key, times):
    wall, cpu = times
    print(f"{key}.median_ms {percentile(wall, 0.5):.3f}")
    print(f"{key}.p90_ms {percentile(wall, 0.9):.3f}")
    print(f"{key}.min_ms {min(wall):.3f}")
    print(f"{key}.max_ms {max(wall):.3f}")
    print(f"{key}.cpu_median_ms {percentile(cpu, 0.5):.3f}")


def measures_for(key, path):
    """Checks what the file gives, lists it in peer_<key>.tsv and returns the three measures."""
    shift_jis = key == "sjis"
    with open(path, "rb") as f:
        data = f.read()
    root = parse(data, shift_jis)
    entries = extract(root)
    with open(os.path.join(os.path.dirname(path), f"peer_{key}.tsv"), "w",
              encoding="utf-8", newline="\n") as f:
        for e in entries:
            f.write("\t".join(e) + "\n")
    print(f"{key}.entries {len(entries)}")

    def whole():
        with open(path, "rb") as f:
            return extract(parse(f.read(), shift_jis))

    return [(f"{key}.parse", lambda: parse(data, shift_jis)),
            (f"{key}.extract", lambda: extract(root)),
            (f"{key}.whole", whole)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("files", nargs="+", metavar="KEY=FILE")
    args = ap.parse_args()
    print(f"python {platform.python_implementation()} {platform.python_version()}")
    # The C accelerator is what a program gets by default; say so if it is missing.
    try:
        import _elementtree
        accelerated = ET.Element is _elementtree.Element
    except ImportError:
        accelerated = False
    print(f"etree_c {int(accelerated)}")
    files = [spec.split("=", 1) for spec in args.files]
    # The whole read as a program runs it, garbage collector on, one file at a time with
    # nothing else alive: the collector's passes over live objects are part of the cost.
    for key, path in files:
        shift_jis = key == "sjis"

        def whole():
            with open(path, "rb") as f:
                return extract(parse(f.read(), shift_jis))

        report(f"{key}.whole_gc", timed_rounds(args.runs, [("whole", whole)])["whole"])
    # Then the three steps, the garbage collector off as timeit does: with both files' trees
    # alive for the turns, its passes would weigh on whichever step they fall in.
    measures = []
    for key, path in files:
        measures += measures_for(key, path)
    gc.collect()
    gc.disable()
    times = timed_rounds(args.runs, measures)
    gc.enable()
    for key, t in times.items():
        report(key, t)


if __name__ == "__main__":
    sys.exit(main())
