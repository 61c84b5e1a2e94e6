"""Prints the AnsiTerm conformance score table at the end of a pytest run."""

import harness


def pytest_terminal_summary(terminalreporter):
    res = harness.RESULTS
    if not res["scripted"] and not res["corpus"] and not res.get("reference_variant"):
        return
    tr = terminalreporter
    tr.section("AnsiTerm conformance vs xterm.js (page: %s)" % res["page"])
    if res["scripted"]:
        ok = sum(1 for v in res["scripted"].values() if v[0])
        tr.write_line("scripted: %d/%d identical (whole + 7-byte chunks)" % (
            ok, len(res["scripted"])))
        bad = sorted({name for (name, _), v in res["scripted"].items() if not v[0]})
        if bad:
            tr.write_line("  differing: " + ", ".join(bad))
    if res.get("reference_variant"):
        tr.write_line("note: xterm.js itself differs whole vs chunked on %s (its split-UTF-8 "
                      "bug); the expectation is the whole-stream screen"
                      % ", ".join(res["reference_variant"]))
    if res["corpus"]:
        names = sorted({n for (n, _) in res["corpus"]})
        tr.write_line("")
        tr.write_line("%-28s %9s %9s  %-7s %-5s" % ("corpus stream", "whole", "chunk7",
                                                     "cursor", "alt"))
        scores = []
        for n in names:
            cells = []
            cur, alt = True, True
            for mode in ("whole", "chunk7"):
                r = res["corpus"].get((n, mode))
                if r is None:
                    cells.append("-")
                    continue
                scores.append(r["score"])
                cells.append("%8.2f%%" % (100 * r["score"]))
                cur = cur and r["cursor_ok"]
                alt = alt and r["alt_ok"]
            tr.write_line("%-28s %9s %9s  %-7s %-5s" % (n, cells[0], cells[1],
                                                         "ok" if cur else "DIFF",
                                                         "ok" if alt else "DIFF"))
        if scores:
            tr.write_line("%-28s %9.2f%%  (target >= 98%%)" % (
                "AVERAGE", 100 * sum(scores) / len(scores)))
