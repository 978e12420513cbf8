#!/usr/bin/python3
"""Minimal FastCGI (Responder role) client for Gatehouse integration tests.

The integration tests talk to the application's FastCGI unix socket directly,
bypassing nginx, so that they can

  * exercise the app exactly as nginx would (see ``cgi_params``), and
  * send deliberately broken / hostile protocol traffic that nginx would
    never produce (see ``send_raw`` and ``malicious_*`` below).

Only the Python 3.11 standard library is used.

Protocol reference: FastCGI Specification 1.0 (Open Market, 1996).  Every
record on the wire looks like this (all integers big-endian):

    +---------+------+-------------+---------------+---------------+----------+
    | version | type | requestId   | contentLength | paddingLength | reserved |
    | 1 byte  | 1 B  | 2 bytes     | 2 bytes       | 1 byte        | 1 byte   |
    +---------+------+-------------+---------------+---------------+----------+
    | contentData (contentLength bytes) | paddingData (paddingLength bytes)   |
    +-----------------------------------+-------------------------------------+

PARAMS, STDIN, STDOUT and STDERR are *streams*: their data may be split over
any number of records and the stream is terminated by an empty record
(contentLength == 0).

Typical use::

    from fcgi_client import FcgiConnection, cgi_params

    with FcgiConnection("/run/gatehouse/gatehouse.sock") as conn:
        resp = conn.request(cgi_params("GET", "/api/health"))
        assert resp.status == 200
        assert resp.headers["content-type"].startswith("application/json")

Run this file directly to execute a self-test against an in-process stub
server:  /usr/bin/python3 tests/integration/fcgi_client.py
"""

import socket
import struct

__all__ = [
    "FCGI_VERSION_1",
    "FCGI_BEGIN_REQUEST", "FCGI_ABORT_REQUEST", "FCGI_END_REQUEST",
    "FCGI_PARAMS", "FCGI_STDIN", "FCGI_STDOUT", "FCGI_STDERR",
    "FCGI_DATA", "FCGI_GET_VALUES", "FCGI_GET_VALUES_RESULT",
    "FCGI_UNKNOWN_TYPE",
    "FCGI_RESPONDER", "FCGI_KEEP_CONN",
    "FCGI_REQUEST_COMPLETE", "FCGI_CANT_MPX_CONN", "FCGI_OVERLOADED",
    "FCGI_UNKNOWN_ROLE",
    "MAX_CONTENT_LENGTH",
    "FcgiError", "FcgiProtocolError", "FcgiConnectionClosed",
    "Response", "FcgiConnection",
    "encode_params", "record", "chunks", "stream_records",
    "begin_request_body", "cgi_params", "parse_cgi_output",
    "malicious_huge_params_record", "malicious_overflow_params_record",
]

# ---------------------------------------------------------------------------
# Protocol constants
# ---------------------------------------------------------------------------

FCGI_VERSION_1 = 1

# Record types.
FCGI_BEGIN_REQUEST = 1
FCGI_ABORT_REQUEST = 2
FCGI_END_REQUEST = 3
FCGI_PARAMS = 4
FCGI_STDIN = 5
FCGI_STDOUT = 6
FCGI_STDERR = 7
FCGI_DATA = 8
FCGI_GET_VALUES = 9
FCGI_GET_VALUES_RESULT = 10
FCGI_UNKNOWN_TYPE = 11

# Roles (BEGIN_REQUEST body).  Only the Responder role is used by Gatehouse.
FCGI_RESPONDER = 1
FCGI_AUTHORIZER = 2
FCGI_FILTER = 3

# BEGIN_REQUEST flags: keep the connection open after END_REQUEST.
FCGI_KEEP_CONN = 1

# END_REQUEST protocolStatus values.
FCGI_REQUEST_COMPLETE = 0
FCGI_CANT_MPX_CONN = 1
FCGI_OVERLOADED = 2
FCGI_UNKNOWN_ROLE = 3

# contentLength is a 16-bit field.
MAX_CONTENT_LENGTH = 0xFFFF

# Record header: version, type, requestId, contentLength, paddingLength,
# reserved.
_HEADER = struct.Struct(">BBHHBx")
FCGI_HEADER_LEN = _HEADER.size  # 8

# END_REQUEST body: appStatus (u32), protocolStatus (u8), 3 reserved bytes.
_END_REQUEST_BODY = struct.Struct(">IB3x")


# ---------------------------------------------------------------------------
# Exceptions
# ---------------------------------------------------------------------------

class FcgiError(Exception):
    """Base class for errors raised by this module."""


class FcgiProtocolError(FcgiError):
    """The peer sent something that is not valid FastCGI."""


class FcgiConnectionClosed(FcgiError, ConnectionError):
    """The peer closed the connection before END_REQUEST was received.

    ``partial`` holds a Response built from whatever STDOUT/STDERR data had
    arrived so far (useful when asserting on how the app reacted to hostile
    input before hanging up).
    """

    def __init__(self, message, partial=None):
        super().__init__(message)
        self.partial = partial


# ---------------------------------------------------------------------------
# Encoding helpers
# ---------------------------------------------------------------------------

def _to_bytes(value):
    """Coerce a param name/value to bytes (str -> UTF-8, other -> str())."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if value is None:
        return b""
    if not isinstance(value, str):
        value = str(value)
    return value.encode("utf-8", "surrogateescape")


def _encode_length(n):
    """Encode a name/value length as FastCGI does.

    Lengths < 128 use one byte.  Anything larger uses four bytes, big-endian,
    with the top bit of the first byte set (so at most 0x7fffffff).
    """
    if n < 0:
        raise ValueError("negative length")
    if n < 0x80:
        return bytes((n,))
    if n > 0x7FFFFFFF:
        raise ValueError("length %d does not fit in 31 bits" % n)
    return struct.pack(">I", n | 0x80000000)


def encode_params(pairs):
    """Encode name-value pairs into the body of a PARAMS stream.

    ``pairs`` is a dict or an iterable of (name, value) tuples (a list allows
    duplicate or deliberately ordered names).  Names and values may be str
    (encoded as UTF-8), bytes, or anything else (passed through ``str()``).

    Each pair is encoded as nameLength, valueLength, nameData, valueData.
    The result is *not* split into records; see ``stream_records``.
    """
    items = pairs.items() if isinstance(pairs, dict) else pairs
    out = bytearray()
    for name, value in items:
        name_b = _to_bytes(name)
        value_b = _to_bytes(value)
        out += _encode_length(len(name_b))
        out += _encode_length(len(value_b))
        out += name_b
        out += value_b
    return bytes(out)


def record(type, request_id, content=b"", padding=0):
    """Build one FastCGI record (version 1).

    ``content`` must be at most 65535 bytes (use ``stream_records`` for
    longer data).  ``padding`` is the number of zero padding bytes appended
    after the content (the spec recommends padding to a multiple of 8, but
    any value 0..255 is legal).
    """
    content = bytes(content)
    if len(content) > MAX_CONTENT_LENGTH:
        raise ValueError("record content too long (%d > %d)"
                         % (len(content), MAX_CONTENT_LENGTH))
    if not 0 <= padding <= 0xFF:
        raise ValueError("padding must be in 0..255")
    header = _HEADER.pack(FCGI_VERSION_1, type, request_id,
                          len(content), padding)
    return header + content + b"\x00" * padding


def chunks(data, size=MAX_CONTENT_LENGTH):
    """Yield successive slices of ``data`` of at most ``size`` bytes.

    Yields nothing for empty data.
    """
    data = bytes(data)
    for off in range(0, len(data), size):
        yield data[off:off + size]


def stream_records(type, request_id, data, terminate=True):
    """Encode ``data`` as a stream of records of ``type``.

    The data is split into records of at most 65535 bytes; if ``terminate``
    is true an empty record closing the stream is appended.
    """
    out = b"".join(record(type, request_id, c) for c in chunks(data))
    if terminate:
        out += record(type, request_id, b"")
    return out


def begin_request_body(role=FCGI_RESPONDER, keep_conn=False):
    """Body of a BEGIN_REQUEST record: role (u16), flags (u8), 5 reserved."""
    flags = FCGI_KEEP_CONN if keep_conn else 0
    return struct.pack(">HB5x", role, flags)


# ---------------------------------------------------------------------------
# Responses
# ---------------------------------------------------------------------------

def parse_cgi_output(stdout):
    """Split CGI output into (status, reason, header_list, body).

    The header block ends at the first blank line (CRLF CRLF, or bare LF LF
    which CGI also allows).  ``status`` comes from the ``Status:`` header and
    defaults to 200.  ``header_list`` is a list of (lower-cased name, value)
    tuples in the order received.  If no blank line is present the whole
    output is treated as headers and the body is empty.
    """
    stdout = bytes(stdout)
    # Find the earliest header/body separator of either style.
    candidates = []
    for sep in (b"\r\n\r\n", b"\n\n", b"\r\n\n", b"\n\r\n"):
        idx = stdout.find(sep)
        if idx >= 0:
            candidates.append((idx, len(sep)))
    if candidates:
        idx, seplen = min(candidates)
        head, body = stdout[:idx], stdout[idx + seplen:]
    else:
        head, body = stdout, b""

    header_list = []
    for line in head.split(b"\n"):
        line = line.rstrip(b"\r")
        if not line:
            continue
        name, sep, value = line.partition(b":")
        if not sep:
            # Not a header line; keep it visible rather than silently dropping.
            header_list.append(("", line.decode("latin-1").strip()))
            continue
        header_list.append((name.decode("latin-1").strip().lower(),
                            value.decode("latin-1").strip()))

    status, reason = 200, ""
    for name, value in header_list:
        if name == "status":
            code, _, reason = value.partition(" ")
            try:
                status = int(code)
            except ValueError:
                raise FcgiProtocolError("bad Status header: %r" % value)
            reason = reason.strip()
            break
    return status, reason, header_list, body


class Response:
    """Result of one FastCGI request.

    Attributes:
        status          int, from the CGI ``Status:`` header (default 200)
        reason          reason phrase from ``Status:`` ("" if absent)
        headers         dict of lower-cased header name -> value; repeated
                        headers are joined with ", " (the ``Status`` header
                        is included as "status")
        header_list     list of (lower-cased name, value) in received order,
                        one entry per header line (use for Set-Cookie etc.)
        body            bytes after the header block
        stdout          raw concatenated STDOUT stream
        stderr          raw concatenated STDERR stream
        app_status      END_REQUEST appStatus (None if never received)
        protocol_status END_REQUEST protocolStatus (None if never received)
        request_id      request id the response belongs to
    """

    def __init__(self, stdout=b"", stderr=b"", app_status=None,
                 protocol_status=None, request_id=1):
        self.stdout = bytes(stdout)
        self.stderr = bytes(stderr)
        self.app_status = app_status
        self.protocol_status = protocol_status
        self.request_id = request_id
        (self.status, self.reason, self.header_list,
         self.body) = parse_cgi_output(self.stdout)
        self.headers = {}
        for name, value in self.header_list:
            if name in self.headers:
                self.headers[name] += ", " + value
            else:
                self.headers[name] = value

    def get_all(self, name):
        """All values of header ``name`` (case-insensitive), in order."""
        name = name.lower()
        return [v for n, v in self.header_list if n == name]

    @property
    def text(self):
        """Body decoded as UTF-8 (with replacement characters if invalid)."""
        return self.body.decode("utf-8", "replace")

    def json(self):
        """Body parsed as JSON."""
        import json
        return json.loads(self.body)

    def __repr__(self):
        return ("<Response status=%d headers=%d body=%d bytes stderr=%d bytes "
                "app_status=%r protocol_status=%r>"
                % (self.status, len(self.header_list), len(self.body),
                   len(self.stderr), self.app_status, self.protocol_status))


# ---------------------------------------------------------------------------
# Connection
# ---------------------------------------------------------------------------

class FcgiConnection:
    """A FastCGI client connection over an AF_UNIX stream socket.

    ``timeout`` (seconds) applies to connect and to every socket operation;
    a hung app therefore surfaces as ``socket.timeout`` (``TimeoutError``)
    rather than a hung test.

    High level:  ``request(params, body, keep_conn, request_id)``.
    Low level:   ``send_begin`` / ``send_params`` / ``send_stdin`` /
                 ``send_abort`` / ``send_raw`` then ``read_response`` or
                 ``read_record``.
    """

    def __init__(self, path, timeout=10):
        self.path = path
        self.timeout = timeout
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        try:
            self.sock.connect(path)
        except BaseException:
            self.sock.close()
            raise
        self._buf = bytearray()  # received but not yet consumed bytes
        self._eof = False

    # -- context manager ----------------------------------------------------

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.close()
        return False

    def close(self):
        """Close the socket (idempotent)."""
        if self.sock is not None:
            try:
                self.sock.close()
            finally:
                self.sock = None

    # -- sending ------------------------------------------------------------

    def send_raw(self, data):
        """Send arbitrary bytes as-is (for malformed-protocol tests)."""
        self.sock.sendall(bytes(data))

    def send_begin(self, request_id=1, keep_conn=False, role=FCGI_RESPONDER):
        """Send BEGIN_REQUEST (role Responder; FCGI_KEEP_CONN if keep_conn)."""
        self.send_raw(record(FCGI_BEGIN_REQUEST, request_id,
                             begin_request_body(role, keep_conn)))

    def send_params(self, params, terminate=True, request_id=1):
        """Send a PARAMS stream (dict or list of pairs).

        Unless ``terminate`` is False the empty PARAMS record ending the
        stream is sent too.
        """
        self.send_raw(stream_records(FCGI_PARAMS, request_id,
                                     encode_params(params), terminate))

    def send_stdin(self, data, terminate=True, request_id=1):
        """Send request body as STDIN records (+ empty STDIN if terminate)."""
        self.send_raw(stream_records(FCGI_STDIN, request_id, data, terminate))

    def send_abort(self, request_id=1):
        """Send ABORT_REQUEST for ``request_id``."""
        self.send_raw(record(FCGI_ABORT_REQUEST, request_id, b""))

    def shutdown_write(self):
        """Half-close: tell the app no more data will come from us."""
        self.sock.shutdown(socket.SHUT_WR)

    # -- receiving ----------------------------------------------------------

    def _fill(self, n):
        """Ensure at least ``n`` bytes are buffered; return False on EOF."""
        while len(self._buf) < n:
            if self._eof:
                return False
            data = self.sock.recv(max(65536, n - len(self._buf)))
            if not data:
                self._eof = True
                return False
            self._buf += data
        return True

    def read_record(self):
        """Read one record; return (type, request_id, content) or None.

        None means the peer closed the connection cleanly at a record
        boundary.  A close in the middle of a record raises
        FcgiConnectionClosed; a bad version byte raises FcgiProtocolError.
        Padding is consumed and discarded.
        """
        if not self._fill(FCGI_HEADER_LEN):
            if self._buf:
                raise FcgiConnectionClosed(
                    "connection closed inside a record header")
            return None
        version, rtype, rid, clen, plen = _HEADER.unpack_from(self._buf)
        if version != FCGI_VERSION_1:
            raise FcgiProtocolError("unexpected FastCGI version %d" % version)
        total = FCGI_HEADER_LEN + clen + plen
        if not self._fill(total):
            raise FcgiConnectionClosed("connection closed inside a record")
        content = bytes(self._buf[FCGI_HEADER_LEN:FCGI_HEADER_LEN + clen])
        del self._buf[:total]
        return rtype, rid, content

    def wait_closed(self, timeout=None):
        """Return True if the peer closes the connection within ``timeout``.

        Any records received meanwhile are discarded.  Returns False if the
        timeout expires with the connection still open.  Useful to check
        that the app drops a connection after hostile input.
        """
        old = self.sock.gettimeout()
        self.sock.settimeout(self.timeout if timeout is None else timeout)
        try:
            while True:
                try:
                    if self.read_record() is None:
                        return True
                except FcgiConnectionClosed:
                    return True
                except (ConnectionResetError, BrokenPipeError):
                    return True
        except socket.timeout:
            return False
        finally:
            if self.sock is not None:
                self.sock.settimeout(old)

    def read_response(self, request_id=1):
        """Read records until END_REQUEST for ``request_id``; return Response.

        STDOUT and STDERR data for ``request_id`` are accumulated.  Records
        for other request ids and management records (id 0, e.g.
        UNKNOWN_TYPE / GET_VALUES_RESULT) are ignored.  If the connection is
        closed first, FcgiConnectionClosed is raised with ``partial`` set.
        """
        stdout, stderr = bytearray(), bytearray()
        while True:
            try:
                rec = self.read_record()
            except FcgiConnectionClosed as e:
                e.partial = Response(stdout, stderr, request_id=request_id)
                raise
            if rec is None:
                raise FcgiConnectionClosed(
                    "connection closed before END_REQUEST",
                    Response(stdout, stderr, request_id=request_id))
            rtype, rid, content = rec
            if rid != request_id:
                continue
            if rtype == FCGI_STDOUT:
                stdout += content
            elif rtype == FCGI_STDERR:
                stderr += content
            elif rtype == FCGI_END_REQUEST:
                if len(content) < _END_REQUEST_BODY.size:
                    raise FcgiProtocolError("short END_REQUEST body")
                app_status, proto_status = _END_REQUEST_BODY.unpack_from(
                    content)
                return Response(stdout, stderr, app_status, proto_status,
                                request_id)
            else:
                raise FcgiProtocolError(
                    "unexpected record type %d for request %d"
                    % (rtype, rid))

    # -- high level ---------------------------------------------------------

    def request(self, params, body=b"", keep_conn=False, request_id=1):
        """Perform one complete Responder request and return its Response.

        Sends BEGIN_REQUEST, PARAMS + empty PARAMS, STDIN + empty STDIN,
        then reads until END_REQUEST.  With keep_conn=True the app should
        leave the connection open so another request can follow.
        """
        self.send_raw(
            record(FCGI_BEGIN_REQUEST, request_id,
                   begin_request_body(FCGI_RESPONDER, keep_conn))
            + stream_records(FCGI_PARAMS, request_id, encode_params(params))
            + stream_records(FCGI_STDIN, request_id, body))
        return self.read_response(request_id)


# ---------------------------------------------------------------------------
# Building params like nginx does
# ---------------------------------------------------------------------------

def cgi_params(method, path, query="", headers=None, body=b"",
               content_type=None, remote_addr="127.0.0.1"):
    """Return the CGI params nginx's fastcgi_params would send.

    ``headers`` is a dict (or list of pairs) of extra HTTP request headers;
    each becomes HTTP_<NAME> with the name upper-cased and '-' -> '_'
    (e.g. "X-Csrf-Token" -> HTTP_X_CSRF_TOKEN).  CONTENT_LENGTH is
    str(len(body)), or "" when there is no body, as nginx does.  The
    returned dict can be modified before passing it to request().
    """
    params = {
        "REQUEST_METHOD": method,
        "REQUEST_URI": path + ("?" + query if query else ""),
        "DOCUMENT_URI": path,
        "SCRIPT_NAME": path,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "GATEWAY_INTERFACE": "CGI/1.1",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "REMOTE_ADDR": remote_addr,
        "CONTENT_LENGTH": str(len(body)) if body else "",
        "CONTENT_TYPE": content_type or "",
    }
    if headers:
        items = headers.items() if isinstance(headers, dict) else headers
        for name, value in items:
            key = "HTTP_" + name.upper().replace("-", "_")
            params[key] = value
    return params


# ---------------------------------------------------------------------------
# Hostile inputs
# ---------------------------------------------------------------------------

def _lying_params_record(request_id, name_len, value_len, payload):
    """BEGIN_REQUEST + one PARAMS record whose pair lengths exceed its data.

    Both lengths are written in the 4-byte form (high bit set) even when
    they would fit in one byte.  No terminating empty PARAMS record and no
    STDIN follow: the app must cope with a stream that promises far more
    than it delivers.
    """
    content = (struct.pack(">II", name_len | 0x80000000,
                           value_len | 0x80000000) + payload)
    return (record(FCGI_BEGIN_REQUEST, request_id,
                   begin_request_body(FCGI_RESPONDER, False))
            + record(FCGI_PARAMS, request_id, content))


def malicious_huge_params_record(request_id=1):
    """Bytes reproducing the shape of CVE-2025-23016 (libfcgi ReadParams).

    A BEGIN_REQUEST followed by a PARAMS record containing one name-value
    pair that declares nameLength = 0x7fffffff and valueLength = 0x7fffffff
    (4-byte encoded: ff ff ff ff ff ff ff ff) but carries only 16 bytes of
    data.

    In libfcgi < 2.4.5, ReadParams() computes ``nameLen + valueLen + 2`` in
    int arithmetic; on this input that wraps to 0, malloc() returns a tiny
    buffer and the subsequent FCGX_GetStr() copies the received bytes into
    it: a heap overflow.  A correct app must reject the pair (or wait for
    data that never comes and give up) without crashing, and must keep
    serving other connections.  Send with ``send_raw``, then e.g.
    ``wait_closed()`` / ``shutdown_write()`` and check a fresh connection
    still gets a normal response.
    """
    return _lying_params_record(request_id, 0x7FFFFFFF, 0x7FFFFFFF,
                                b"A" * 16)


def malicious_overflow_params_record(request_id=1):
    """Variant where nameLength + valueLength overflows a signed 32-bit int.

    nameLength = 0x7ffffff0, valueLength = 0x20: the sum is 0x80000010,
    which is negative as an int32 (and 0x80000012 with the +2 for the NUL
    terminators).  Code that checks ``nameLen + valueLen > limit`` with
    signed ints passes the check; code that sizes a buffer from the sum
    gets either a huge size_t or a tiny one depending on conversions.  The
    record carries only 16 bytes of data.  Expected behaviour of the app is
    the same as for ``malicious_huge_params_record``: reject, don't crash.
    """
    return _lying_params_record(request_id, 0x7FFFFFF0, 0x20, b"B" * 16)


# ---------------------------------------------------------------------------
# Self-test (stub server lives only here)
# ---------------------------------------------------------------------------

if __name__ == "__main__":
    import os
    import shutil
    import tempfile
    import threading

    STUB_STDOUT = (b"Status: 201 Created\r\nContent-Type: text/plain\r\n"
                   b"X-A: 1\r\nX-A: 2\r\n\r\nhello")

    received = []           # (request_id, keep_conn, params, stdin) per request
    connections = []        # one entry per accepted connection

    def _decode_params(data):
        """Inverse of encode_params (stub-server side)."""
        out, i = [], 0

        def length():
            nonlocal i
            if data[i] & 0x80:
                n = struct.unpack_from(">I", data, i)[0] & 0x7FFFFFFF
                i += 4
            else:
                n = data[i]
                i += 1
            return n

        while i < len(data):
            nlen = length()
            vlen = length()
            name = data[i:i + nlen]
            i += nlen
            value = data[i:i + vlen]
            i += vlen
            out.append((name.decode(), value.decode()))
        return out

    def _recv_exact(conn, n):
        buf = b""
        while len(buf) < n:
            part = conn.recv(n - len(buf))
            if not part:
                return None
            buf += part
        return buf

    def _serve_connection(conn):
        """Handle sequential requests on one connection until it closes."""
        connections.append(conn)
        with conn:
            state = {}
            while True:
                hdr = _recv_exact(conn, FCGI_HEADER_LEN)
                if hdr is None:
                    return
                _, rtype, rid, clen, plen = _HEADER.unpack(hdr)
                content = _recv_exact(conn, clen + plen)
                if content is None:
                    return
                content = content[:clen]
                if rtype == FCGI_BEGIN_REQUEST:
                    role, flags = struct.unpack_from(">HB", content)
                    assert role == FCGI_RESPONDER, role
                    state = {"keep": bool(flags & FCGI_KEEP_CONN),
                             "params": b"", "stdin": b""}
                elif rtype == FCGI_PARAMS:
                    state["params"] += content
                elif rtype == FCGI_STDIN and clen:
                    state["stdin"] += content
                elif rtype == FCGI_STDIN:
                    # Empty STDIN: request complete, answer it.
                    received.append((rid, state["keep"],
                                     _decode_params(state["params"]),
                                     state["stdin"]))
                    conn.sendall(
                        stream_records(FCGI_STDOUT, rid, STUB_STDOUT)
                        + stream_records(FCGI_STDERR, rid, b"warn")
                        + record(FCGI_END_REQUEST, rid,
                                 _END_REQUEST_BODY.pack(7,
                                                        FCGI_REQUEST_COMPLETE),
                                 padding=0))
                    if not state["keep"]:
                        return

    def _serve(listener):
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=_serve_connection, args=(conn,),
                             daemon=True).start()

    def _check_response(resp):
        assert resp.status == 201, resp
        assert resp.reason == "Created", resp.reason
        assert resp.headers["content-type"] == "text/plain", resp.headers
        assert resp.headers["x-a"] == "1, 2", resp.headers
        assert resp.get_all("X-A") == ["1", "2"]
        assert ("x-a", "1") in resp.header_list
        assert ("x-a", "2") in resp.header_list
        assert resp.body == b"hello", resp.body
        assert resp.stderr == b"warn", resp.stderr
        assert resp.app_status == 7
        assert resp.protocol_status == FCGI_REQUEST_COMPLETE

    def main():
        tmpdir = tempfile.mkdtemp(prefix="fcgi-selftest-")
        path = os.path.join(tmpdir, "stub.sock")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(path)
        listener.listen(8)
        threading.Thread(target=_serve, args=(listener,), daemon=True).start()
        try:
            # -- encoding unit checks ----------------------------------------
            assert encode_params({"A": "b"}) == b"\x01\x01Ab"
            long_val = "x" * 200
            enc = encode_params([("N", long_val)])
            assert enc[:5] == b"\x01\x80\x00\x00\xc8", enc[:5]
            assert record(FCGI_STDIN, 3, b"ab", padding=6) == (
                b"\x01\x05\x00\x03\x00\x02\x06\x00ab" + b"\x00" * 6)
            assert len(list(chunks(b"z" * 140000))) == 3
            assert parse_cgi_output(b"X: y\n\nbody")[2:] == (
                [("x", "y")], b"body")
            assert parse_cgi_output(b"X: y\r\n\r\n")[0] == 200

            evil = malicious_huge_params_record()
            assert evil[16:24] == b"\x01\x04\x00\x01\x00\x18\x00\x00", evil
            assert evil[24:32] == b"\xff" * 8
            evil2 = malicious_overflow_params_record(request_id=5)
            assert evil2[24:32] == b"\xff\xff\xff\xf0\x80\x00\x00\x20"
            assert evil2[2:4] == b"\x00\x05"

            p = cgi_params("POST", "/api/x", query="a=1",
                           headers={"X-Csrf-Token": "t", "Cookie": "s=1"},
                           body=b"{}", content_type="application/json")
            assert p["REQUEST_URI"] == "/api/x?a=1"
            assert p["CONTENT_LENGTH"] == "2"
            assert p["HTTP_X_CSRF_TOKEN"] == "t"
            assert cgi_params("GET", "/")["CONTENT_LENGTH"] == ""

            # -- one request, connection closed by server afterwards ----------
            big_body = b"q" * 100000  # forces multiple STDIN records
            with FcgiConnection(path, timeout=5) as conn:
                p["LONG"] = long_val
                resp = conn.request(p, big_body)
                _check_response(resp)
                assert conn.wait_closed(timeout=2), "server should close"
            rid, keep, params, stdin = received[-1]
            assert not keep and rid == 1
            assert dict(params)["LONG"] == long_val
            assert dict(params)["HTTP_COOKIE"] == "s=1"
            assert stdin == big_body

            # -- two keep-conn requests on one connection --------------------
            n_conns = len(connections)
            with FcgiConnection(path, timeout=5) as conn:
                r1 = conn.request(cgi_params("GET", "/one"), keep_conn=True)
                r2 = conn.request(cgi_params("GET", "/two"), keep_conn=True,
                                  request_id=2)
                _check_response(r1)
                _check_response(r2)
                # Low-level API on the same connection, final request.
                conn.send_begin(request_id=3, keep_conn=False)
                conn.send_params(cgi_params("GET", "/three"), request_id=3)
                conn.send_stdin(b"", request_id=3)
                _check_response(conn.read_response(request_id=3))
            assert len(connections) == n_conns + 1, "expected one connection"
            assert [r[0] for r in received[-3:]] == [1, 2, 3]
            assert [r[1] for r in received[-3:]] == [True, True, False]
            assert dict(received[-2][2])["DOCUMENT_URI"] == "/two"

            # -- closing before END_REQUEST is reported ----------------------
            with FcgiConnection(path, timeout=5) as conn:
                conn.send_begin()
                conn.send_params({"A": "b"}, terminate=False)
                conn.shutdown_write()  # stub sees EOF and hangs up
                try:
                    conn.read_response()
                except FcgiConnectionClosed as e:
                    assert e.partial is not None
                else:
                    raise AssertionError("expected FcgiConnectionClosed")
        finally:
            listener.close()
            shutil.rmtree(tmpdir, ignore_errors=True)
        print("fcgi_client self-test: OK")

    main()
