"""URL path -> file inside the document root, and every way out refused."""

import os

import pytest

from xwterm import docroot


def test_serves_files_with_their_types(web_root):
    root = str(web_root)
    assert docroot.resolve(root, '/') == (os.path.join(root, 'index.html'),
                                          'text/html; charset=utf-8')
    assert docroot.resolve(root, '/app.js')[1] == 'text/javascript; charset=utf-8'
    assert docroot.resolve(root, '/style.css')[1] == 'text/css; charset=utf-8'
    assert docroot.resolve(root, '/sub/')[0] == os.path.join(root, 'sub', 'index.html')
    assert docroot.resolve(root, '/sub')[0] == os.path.join(root, 'sub', 'index.html')
    assert docroot.resolve(root, '/sub/deeper/data.json')[1] == 'application/json'
    assert docroot.resolve(root, '/%61pp.js')[0] == os.path.join(root, 'app.js')
    assert docroot.resolve(root, '/app.js?v=1')[0] == os.path.join(root, 'app.js')
    # a symlink that stays inside the root is fine
    assert docroot.resolve(root, '/inside-link.js')[0] == os.path.join(root, 'app.js')


@pytest.mark.parametrize('name, expected', [
    ('a.png', 'image/png'), ('a.svg', 'image/svg+xml'), ('favicon.ico', 'image/x-icon'),
    ('x.wasm', 'application/wasm'), ('x.mjs', 'text/javascript; charset=utf-8'),
    ('X.JS', 'text/javascript; charset=utf-8'), ('README', 'application/octet-stream'),
])
def test_content_types(name, expected):
    assert docroot.content_type(name) == expected


TRAVERSALS = [
    '/../secret.txt', '/%2e%2e/secret.txt', '/%2E%2E/secret.txt', '/.%2e/secret.txt',
    '/sub/../../secret.txt', '/sub/%2e%2e/%2e%2e/secret.txt', '/..%2fsecret.txt',
    '/%2e%2e%2fsecret.txt', '/sub%2f..%2f..%2fsecret.txt', '/..%5csecret.txt',
    '/..\\secret.txt', '//etc/passwd', '/%2fetc/passwd', '/etc/passwd', '/C:/secret.txt',
    '/c%3a/secret.txt', '/app.js%00.html', '/app%0a.js', '/.hidden', '/%2ehidden',
    '/outside-link.txt', '/outside-dir/secret.txt', '/outside-dir/', '/%c0%ae%c0%ae/secret.txt',
    '/./app.js', 'app.js', '', '/nope.js', '/sub/nope/', '/' + 'a/' * 2000,
]


@pytest.mark.parametrize('path', TRAVERSALS)
def test_traversal_refused(web_root, path):
    with pytest.raises(docroot.NotFound):
        docroot.resolve(str(web_root), path)


def test_missing_root_serves_nothing(tmp_path):
    with pytest.raises(docroot.NotFound):
        docroot.resolve(str(tmp_path / 'absent'), '/')
