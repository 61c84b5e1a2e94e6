"""Runs the AnsiTerm core's node unit tests (tests/js/*.test.mjs) as part of pytest."""

import os
import shutil
import subprocess

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_ansiterm_core_node_tests():
    tests = sorted(os.path.join(HERE, f) for f in os.listdir(HERE) if f.endswith(".test.mjs"))
    proc = subprocess.run(["node", "--test"] + tests, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=300)
    output = proc.stdout.decode("utf-8", "replace")
    assert proc.returncode == 0, output[-4000:]
