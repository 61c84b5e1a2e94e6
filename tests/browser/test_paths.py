"""Pages under different paths of one origin (a fleet behind one gateway, docs/deployment.md)
keep their sessions apart: a tab remembers its session per page path."""

from conftest import TerminalPage

SESSION = 'window.term.driver.attachment && window.term.driver.attachment.session'


def _session_of(page, url):
    page.goto(url)
    TerminalPage(page).wait_connected()
    page.wait_for_function(SESSION)
    return page.evaluate(SESSION)


def test_a_tab_remembers_its_session_per_path(browser, start_server):
    server = start_server()
    context = browser.new_context(bypass_csp=True)
    try:
        page = context.new_page()
        first = _session_of(page, server.url)
        other = _session_of(page, server.url + 'index.html')
        assert other != first                   # another path: not the other page's session
        assert _session_of(page, server.url) == first          # back: reattached
        assert _session_of(page, server.url + 'index.html') == other
    finally:
        context.close()
