"""A minimal RESP2 client over a plain socket. Replies are kept as typed byte tuples so that two
servers' replies compare exactly, including integer formatting and error texts:
    ('+', b'OK')   ('-', b'ERR syntax error')   (':', b'42')
    ('$', b'value') or ('$', None)   ('*', [reply, ...]) or ('*', None)"""

import socket


def encode(args):
    """Encodes one command (a sequence of bytes) as a RESP multibulk request."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        out.append(b"$%d\r\n" % len(a))
        out.append(a)
        out.append(b"\r\n")
    return b"".join(out)


class ProtocolError(Exception):
    pass


class Connection:
    """One connection to a server. send() queues requests, read() returns the next reply."""

    def __init__(self, port, host="127.0.0.1", timeout=120.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.pos = 0

    def close(self):
        self.sock.close()

    def send(self, commands):
        self.sock.sendall(b"".join(encode(c) for c in commands))

    def call(self, args):
        self.send([args])
        return self.read()

    def _fill(self):
        chunk = self.sock.recv(1 << 18)
        if not chunk:
            raise ConnectionError("server closed the connection")
        if self.pos:
            del self.buf[:self.pos]
            self.pos = 0
        self.buf += chunk

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n", self.pos)
            if i >= 0:
                line = bytes(self.buf[self.pos:i])
                self.pos = i + 2
                return line
            self._fill()

    def _bytes(self, n):
        while len(self.buf) - self.pos < n + 2:
            self._fill()
        data = bytes(self.buf[self.pos:self.pos + n])
        if self.buf[self.pos + n:self.pos + n + 2] != b"\r\n":
            raise ProtocolError("bulk string of %d bytes not followed by CRLF" % n)
        self.pos += n + 2
        return data

    def read(self):
        line = self._line()
        if not line:
            raise ProtocolError("empty reply line")
        kind, rest = line[:1], line[1:]
        if kind in (b"+", b"-", b":"):
            return (kind.decode(), rest)
        if kind == b"$":
            n = int(rest)
            return ("$", None if n < 0 else self._bytes(n))
        if kind == b"*":
            n = int(rest)
            if n < 0:
                return ("*", None)
            return ("*", [self.read() for _ in range(n)])
        raise ProtocolError("unexpected reply type byte %r in line %r" % (kind, line[:80]))


def quote(arg, limit=80):
    """Shows one argument the way redis-cli would print it, shortened past limit bytes."""
    s = arg[:limit]
    out = []
    for ch in s:
        c = chr(ch)
        if c == '"' or c == "\\":
            out.append("\\" + c)
        elif 32 <= ch < 127:
            out.append(c)
        elif c == "\n":
            out.append("\\n")
        elif c == "\r":
            out.append("\\r")
        elif c == "\t":
            out.append("\\t")
        else:
            out.append("\\x%02x" % ch)
    text = '"' + "".join(out) + '"'
    if len(arg) > limit:
        text += "...(%d bytes)" % len(arg)
    return text


def format_command(args):
    return " ".join(quote(a) for a in args)


def format_reply(reply, limit=300):
    kind, payload = reply
    if kind == "*":
        if payload is None:
            text = "*(nil array)"
        else:
            text = "*[" + ", ".join(format_reply(r, limit) for r in payload) + "]"
    elif payload is None:
        text = "$(nil)"
    else:
        text = kind + quote(payload, 120)
    return text if len(text) <= limit else text[:limit] + "..."
