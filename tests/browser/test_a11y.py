"""Accessibility of every page of the built book (WCAG 2.1 AA), in the light theme at 1280 px and in the dark one at a
phone's width (the pages conftest.py opens for test_site.py too): axe-core (from npm, pinned in package-lock.json) runs
in the page, and a test per page and theme fails on any critical or serious violation, printing each with the
elements it names. Run after `npm ci` and `nbdev-docs`."""
import json

import pytest
from conftest import REPO

AXE = REPO/'node_modules'/'axe-core'/'axe.min.js'
SERIOUS = ('critical', 'serious')

# the light theme: conftest.py's `desktop` (1280 px); the dark one: its `phone` (390 px); test_site.py uses both too


def axe(v) -> list:
    "The violations axe-core finds in the page of `v` against WCAG 2.0/2.1 A and AA: `[{id, impact, help, nodes}]`"
    if not AXE.exists(): pytest.fail(f"no {AXE}: run `npm ci` first")
    if not v.page.evaluate('!!window.axe'): v.page.add_script_tag(path=str(AXE))
    res = v.page.evaluate("""() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
                                                      resultTypes: ['violations']})""")
    return [dict(id=r['id'], impact=r['impact'], help=r['help'],
                 nodes=[(' '.join(n['target'][0]) if isinstance(n['target'][0], list) else n['target'][0], n.get('failureSummary', '')[:200])
                        for n in r['nodes']]) for r in res['violations']]


def check(v, theme):
    found = axe(v)
    bad = [r for r in found if r['impact'] in SERIOUS]
    counts = {r['id']: len(r['nodes']) for r in found}
    print(f"\naxe {theme} {v.name}: " + json.dumps(counts))
    report = '\n'.join(f"{r['impact']} {r['id']} ({r['help']}): {len(r['nodes'])} element(s)\n" +
                       '\n'.join(f"    {t}  {s.splitlines()[-1].strip() if s else ''}" for t, s in r['nodes'][:8]) for r in bad)
    assert bad == [], f"{v.name}, {theme} theme:\n{report}"


def test_axe_light(desktop): check(desktop, 'light')


def test_axe_dark(phone):
    assert phone.page.evaluate("document.body.classList.contains('quarto-dark')"), "the dark theme did not apply"
    check(phone, 'dark')
