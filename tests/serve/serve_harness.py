"""serve_harness.py — what the accel serve tests share: a server of their own (started on a
free loopback port, stopped by its pid), requests over real HTTP (http.client) and over raw
sockets for what http.client will not send, and assertions that say what they saw."""
import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time

FAILURES = []


def check(cond, what, saw=None):
    """Records a failure (with what was seen) instead of stopping at the first one."""
    if not cond:
        msg = 'FAIL: %s' % what + ('' if saw is None else '; saw: %r' % (saw,))
        print(msg, file=sys.stderr)
        FAILURES.append(msg)
    return cond


def done():
    if FAILURES:
        print('%d check(s) failed' % len(FAILURES), file=sys.stderr)
        sys.exit(1)
    print('all checks passed')
    sys.exit(0)


def skip(why):
    print('SKIP: ' + why)
    sys.exit(77)


class Server:
    """`accel serve --listen 127.0.0.1:0 ARGS…`, its standard error read by a thread (the
    first lines say where it listens and when it is ready)."""

    def __init__(self, accel, args=(), env=None, ready=True, timeout=60):
        e = dict(os.environ)
        e.update(env or {})
        self.proc = subprocess.Popen([accel, 'serve', '--listen', '127.0.0.1:0'] + list(args),
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, env=e)
        self.lines = []
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.host, self.port = None, None
        deadline = time.time() + timeout
        while time.time() < deadline and self.port is None:
            for line in self.log():
                if 'listening on http://' in line:
                    addr = line.split('http://', 1)[1].split('/', 1)[0]
                    self.host, port = addr.rsplit(':', 1)
                    self.port = int(port)
            if self.proc.poll() is not None:
                raise RuntimeError('accel serve ended with %s: %s' % (self.proc.returncode, self.log()))
            time.sleep(0.02)
        if self.port is None:
            self.stop(signal.SIGKILL)
            raise RuntimeError('accel serve did not say where it listens: %s' % self.log())
        while ready and time.time() < deadline:
            if any('accel serve: ready' in l for l in self.log()):
                break
            if self.proc.poll() is not None:
                raise RuntimeError('accel serve ended with %s: %s' % (self.proc.returncode, self.log()))
            time.sleep(0.02)

    def _read(self):
        for raw in self.proc.stderr:
            with self.lock:
                self.lines.append(raw.decode('utf-8', 'replace').rstrip('\n'))

    def log(self):
        with self.lock:
            return list(self.lines)

    def request(self, method, path, body=None, headers=None, timeout=60):
        """(status, headers as a dict with lower-case names, body bytes) over one connection."""
        c = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            data = r.read()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, data
        finally:
            c.close()

    def raw(self, data, read_timeout=5.0):
        """Sends bytes as they are and returns what comes back until the server closes (or the
        time runs out)."""
        s = socket.create_connection((self.host, self.port), timeout=read_timeout)
        try:
            s.sendall(data)
            out = b''
            while True:
                try:
                    chunk = s.recv(65536)
                except socket.timeout:
                    break
                if not chunk:
                    break
                out += chunk
            return out
        finally:
            s.close()

    def connect(self, timeout=10):
        return socket.create_connection((self.host, self.port), timeout=timeout)

    def trickle(self, data, step, delay, first=b'', limit=30.0, sock=None):
        """Sends `first`, then `data` `step` bytes every `delay` seconds, reading meanwhile;
        once the server closes (or all is sent) reads up to the close. Returns (seconds from
        the call to the close, what came back)."""
        s = sock or self.connect(timeout=limit)
        t0 = time.time()
        got = b''
        closed = False
        try:
            if first:
                s.sendall(first)
            i = 0
            while i < len(data) and time.time() - t0 < limit and not closed:
                try:
                    s.sendall(data[i:i + step])
                except OSError:
                    break
                i += step
                s.settimeout(delay)
                try:
                    c = s.recv(65536)
                    if not c:
                        closed = True
                    got += c
                except socket.timeout:
                    pass
                except OSError:
                    break
            s.settimeout(max(0.1, limit - (time.time() - t0)))
            while not closed:
                try:
                    c = s.recv(65536)
                except OSError:
                    break
                if not c:
                    break
                got += c
            return time.time() - t0, got
        finally:
            s.close()

    def stop(self, sig=signal.SIGTERM, timeout=60):
        """Signals the server by its pid and waits; returns its exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
            check(False, 'the server ended within %d s of signal %d' % (timeout, sig))
        self.reader.join(5)
        return rc


def status_line(raw):
    """'HTTP/1.1 413 Request Entity Too Large' → 413 (0 when nothing came back)."""
    try:
        return int(raw.split(b' ', 2)[1])
    except (IndexError, ValueError):
        return 0


def wav_bytes(seconds, rate=16000, seed=1):
    """A mono 16-bit WAV of noise, made here, so a test needs no file (different seeds or
    lengths give different inputs)."""
    import struct
    import numpy as np
    n = int(seconds * rate)
    samples = np.random.default_rng(seed).integers(-3000, 3000, n, dtype=np.int16)
    data = samples.astype('<i2').tobytes()
    head = b'RIFF' + struct.pack('<I', 36 + len(data)) + b'WAVE'
    head += b'fmt ' + struct.pack('<IHHIIHH', 16, 1, 1, rate, rate * 2, 2, 16)
    head += b'data' + struct.pack('<I', len(data))
    return head + data
