"""Random bytes and strings into every sans-I/O parser (hypothesis, bounded examples):
each either returns its documented result or raises ProtocolError, nothing else."""

import string

from hypothesis import given, settings, strategies as st

from xwterm import docroot, protocol
from xwterm.exceptions import ProtocolError
from xwterm.replay import ModeTracker, ReplayBuffer

EXAMPLES = settings(max_examples=300, deadline=None)
JSONISH = st.text(alphabet='{}[]":,0123456789 abtexsiz\\\x00\u00e9\U0001f600', max_size=200)
QUERY_VALUES = st.one_of(st.none(), st.text(max_size=40),
                         st.text(alphabet=string.digits + 'xX \n', max_size=12))


@EXAMPLES
@given(st.one_of(st.text(max_size=300), st.binary(max_size=300), JSONISH.map(lambda t: '{' + t)))
def test_websocket_messages(message):
    parsed = protocol.parse_ws_message(message)
    assert parsed.text is not None or parsed.size is not None


@EXAMPLES
@given(st.binary(max_size=300), st.sampled_from([None, 'text/plain', 'application/json',
                                                  'application/json; charset=utf-8']))
def test_post_bodies(body, content_type):
    try:
        protocol.parse_post_body(body, content_type)
    except ProtocolError:
        pass


@EXAMPLES
@given(JSONISH)
def test_json_loads(text):
    try:
        protocol.json_loads(text)
    except ProtocolError:
        pass


@EXAMPLES
@given(st.dictionaries(st.sampled_from(['session', 'size', 'wait', 'kill', 'config', 'sessions',
                                        'console', 'token', 'client']), QUERY_VALUES))
def test_http_queries_and_attach_requests(query):
    query = dict((key, value) for key, value in query.items() if value is not None)
    for parse in (protocol.parse_http_query, protocol.parse_attach):
        try:
            parse(query)
        except ProtocolError:
            pass


@EXAMPLES
@given(st.text(max_size=120))
def test_websocket_paths(path):
    try:
        protocol.ws_query(path)
    except ProtocolError:
        pass


@EXAMPLES
@given(st.lists(st.binary(max_size=64), max_size=20))
def test_mode_tracking_and_replay(chunks):
    tracker = ModeTracker()
    buffer = ReplayBuffer(limit=256)
    for chunk in chunks:
        tracker.feed(chunk)
        buffer.add(chunk)
    assert isinstance(tracker.restore_sequence(), bytes)
    data, _ = buffer.snapshot()
    assert buffer.size <= 256 and data.startswith(b'\x1bc')


@EXAMPLES
@given(st.text(max_size=80))
def test_document_root_paths(tmp_path_factory, path):
    root = str(tmp_path_factory.getbasetemp())
    try:
        resolved, _ = docroot.resolve(root, '/' + path)
        assert resolved.startswith(root)
    except docroot.NotFound:
        pass
