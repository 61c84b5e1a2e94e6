"""The rectangle operations xterm.js lacks, against screens written from the VT510 manual
(vt510_cases.py), in the same Chromium page as the xterm.js comparison, whole and in
7-byte chunks. See docs/ansiterm.md."""

import pytest

import harness
from vt510_cases import CASES

CHUNKS = [None, 7]


@pytest.fixture(scope='module')
def page():
    with harness.serve() as url, harness.chromium() as browser:
        p = harness.ConformancePage(browser, url, 'ansiterm')
        yield p
        p.close()


@pytest.mark.parametrize('chunk', CHUNKS, ids=lambda c: 'chunk%d' % c if c else 'whole')
@pytest.mark.parametrize('name', sorted(CASES))
def test_vt510_case(page, name, chunk):
    case = CASES[name]
    got = page.run(case['stream'].encode('utf-8'), case['cols'], case['rows'], chunk)
    assert not harness.structural_problems(got, case['cols'], case['rows'])
    text = [harness.row_text(got, y).rstrip() for y in range(case['rows'])]
    assert text == case['text']
    for (y, x), cell in sorted(case.get('cells', {}).items()):
        assert harness.norm_cell(got['cells'][y][x]) == harness.norm_cell(cell), (y, x)
    assert (got['cursor']['row'], got['cursor']['col']) == case['cursor']
