"""File transfer from the page (issue 12): a file dropped on the terminal, or picked with the
status bar's Upload button, lands in the shell's current directory with a progress line;
`xwterm-get FILE` in the shell makes the page download FILE, byte for byte."""

import os

import pytest

from test_lifecycle import wait_attached, open_tab

# A server that offers the page long-polling only.
LONG_POLL_ONLY = ('--no-websocket', '--no-http-websocket')

# Every line the transfer shows in the status bar, in order.
RECORD_STATUS = '''() => {
  window.transferLines = [];
  const show = window.termTransfer._show.bind(window.termTransfer);
  window.termTransfer._show = (text) => { window.transferLines.push(text); show(text); };
}'''


@pytest.fixture(params=['websocket', 'http'])
def shell_in(request, start_server, open_terminal, tmp_path):
    """A page whose shell sits in an empty folder: (terminal page, folder)."""
    server = start_server(*(() if request.param == 'websocket' else LONG_POLL_ONLY))
    term = open_terminal(server.url)
    wait_attached(term)
    folder = tmp_path / 'cwd'
    folder.mkdir()
    term.run('cd %s && echo in-$((6*7))' % folder)
    term.wait_line('in-42')
    term.page.evaluate(RECORD_STATUS)
    return term, folder


def wait_status(term, prefix):
    term.page.wait_for_function(
        'prefix => window.transferLines.some(line => line.startsWith(prefix))', arg=prefix)


def test_upload_button_puts_the_file_in_the_shells_directory(shell_in):
    term, folder = shell_in
    body = os.urandom(3 * 1024 * 1024)
    term.page.locator('.xwterm-upload-input').set_input_files(
        files=[{'name': 'picked.bin', 'mimeType': 'application/octet-stream', 'buffer': body}])
    wait_status(term, 'uploaded picked.bin (%d bytes)' % len(body))
    assert any(line.startswith('uploading picked.bin: ') for line in term.page.evaluate('window.transferLines'))
    assert (folder / 'picked.bin').read_bytes() == body
    term.run('ls')
    term.wait_line('picked.bin')


def test_dropped_file_is_uploaded(shell_in):
    term, folder = shell_in
    term.page.evaluate('''() => {
      const data = new DataTransfer();
      data.items.add(new File(['dropped on the terminal\\n'], 'dropped.txt', { type: 'text/plain' }));
      const target = document.querySelector('.xwterm-viewport');
      target.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
      target.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    }''')
    wait_status(term, 'uploaded dropped.txt')
    assert (folder / 'dropped.txt').read_text() == 'dropped on the terminal\n'
    term.run('cat dropped.txt')
    term.wait_line('dropped on the terminal')


def answer(term, choice):
    """Click ``choice`` in the page's question (the status bar's)."""
    term.page.locator('.xwterm-question button', has_text=choice).click()


def test_upload_of_a_taken_name_asks_before_replacing(shell_in):
    term, folder = shell_in
    (folder / 'taken.txt').write_text('first')
    upload = term.page.locator('.xwterm-upload-input')
    upload.set_input_files(files=[{'name': 'taken.txt', 'mimeType': 'text/plain', 'buffer': b'second'}])
    question = term.page.locator('.xwterm-question')
    question.wait_for()
    assert 'taken.txt already exists' in question.inner_text()
    answer(term, 'Cancel')
    wait_status(term, 'upload of taken.txt skipped')
    assert (folder / 'taken.txt').read_text() == 'first'
    upload.set_input_files(files=[{'name': 'taken.txt', 'mimeType': 'text/plain', 'buffer': b'third'}])
    answer(term, 'Replace')
    wait_status(term, 'uploaded taken.txt (5 bytes)')
    assert (folder / 'taken.txt').read_text() == 'third'
    assert not any('overwrite=1' in line for line in term.page.evaluate('window.transferLines'))


def test_xwterm_get_downloads_the_file(shell_in):
    term, folder = shell_in
    body = os.urandom(200 * 1024) + 'ünïcode'.encode('utf-8')
    (folder / 'wanted file.bin').write_bytes(body)
    term.run("xwterm-get 'wanted file.bin'")
    question = term.page.locator('.xwterm-question')
    question.wait_for()
    # the page says what asked, and saves nothing before the user agrees
    assert 'xwterm-get' in question.inner_text() and 'wanted file.bin' in question.inner_text()
    with term.page.expect_download() as download:
        answer(term, 'Download')
    assert download.value.suggested_filename == 'wanted file.bin'
    with open(download.value.path(), 'rb') as saved:
        assert saved.read() == body
    wait_status(term, 'download of %s handed to the browser' % (folder / 'wanted file.bin'))


def test_output_cannot_download_without_the_user(shell_in):
    """`cat` of a file that holds the download sequence only asks; Cancel saves nothing,
    and a flood of such requests asks a bounded number of questions."""
    term, folder = shell_in
    downloads = []
    term.page.on('download', lambda download: downloads.append(download))
    (folder / 'secret').write_text('secret')
    request = '\x1b]7799;download;%s\x07' % __import__('base64').b64encode(
        str(folder / 'secret').encode()).decode()
    (folder / 'trap.txt').write_text(request * 50 + 'trap-shown\n')
    term.run('cat trap.txt')
    term.wait_line('trap-shown')
    term.page.locator('.xwterm-question').wait_for()
    wait_status(term, 'download of %s ignored' % (folder / 'secret'))
    for _ in range(4):
        answer(term, 'Cancel')
    wait_status(term, 'download of %s declined' % (folder / 'secret'))
    term.run('echo after-$((6*7))')
    term.wait_line('after-42')
    assert term.page.locator('.xwterm-question').count() == 0
    assert downloads == []


def test_download_is_not_repeated_when_a_reload_replays_the_output(start_server, open_terminal, tmp_path):
    server = start_server()
    term = open_terminal(server.url)
    wait_attached(term)
    (tmp_path / 'once.txt').write_text('once')
    downloads = []
    term.run('xwterm-get %s; echo got-$((6*7))' % (tmp_path / 'once.txt'))
    term.wait_line('got-42')
    with term.page.expect_download():
        answer(term, 'Download')
    term.page.on('download', lambda download: downloads.append(download))
    term.page.reload()
    wait_attached(term)
    term.wait_line('got-42')
    term.run('echo later-$((6*7))')
    term.wait_line('later-42')
    assert downloads == []


def test_read_only_tab_uploads_nothing(start_server, open_terminal, tmp_path):
    server = start_server()
    owner = open_terminal(server.url)
    wait_attached(owner)
    owner.run('cd %s && echo in-$((6*7))' % tmp_path)
    owner.wait_line('in-42')
    viewer = open_tab(owner, owner.page.evaluate('window.termSession.link(true)'))
    assert wait_attached(viewer)['readonly']
    viewer.page.evaluate(RECORD_STATUS)
    viewer.page.locator('.xwterm-upload-input').set_input_files(
        files=[{'name': 'nope.txt', 'mimeType': 'text/plain', 'buffer': b'nope'}])
    wait_status(viewer, 'upload of nope.txt refused')
    assert not (tmp_path / 'nope.txt').exists()
