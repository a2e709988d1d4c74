"""cdp.py — just enough of the Chrome DevTools Protocol, over a WebSocket written with the
standard library, to drive headless Chromium from a test: open a page, evaluate JavaScript in
it as time passes (real time: the page polls a real server), take a screenshot."""
import base64
import json
import os
import re
import socket
import struct
import subprocess
import threading
import time
import urllib.request


class Page:
    def __init__(self, ws_url, timeout=30):
        m = re.match(r'ws://([^:/]+):(\d+)(/.*)', ws_url)
        self.sock = socket.create_connection((m.group(1), int(m.group(2))), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(('GET %s HTTP/1.1\r\nHost: %s:%s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
                           'Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n'
                           % (m.group(3), m.group(1), m.group(2), key)).encode())
        head = b''
        while b'\r\n\r\n' not in head:
            c = self.sock.recv(1)
            if not c:
                raise RuntimeError('the DevTools endpoint closed during the handshake')
            head += c
        if b' 101 ' not in head.split(b'\r\n', 1)[0]:
            raise RuntimeError('no WebSocket upgrade: %r' % head[:200])
        self.next_id = 0

    def _send(self, text):
        data = text.encode()
        n = len(data)
        hdr = bytes([0x81])
        if n < 126:
            hdr += bytes([0x80 | n])
        elif n < 65536:
            hdr += bytes([0x80 | 126]) + struct.pack('>H', n)
        else:
            hdr += bytes([0x80 | 127]) + struct.pack('>Q', n)
        mask = os.urandom(4)
        self.sock.sendall(hdr + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def _exact(self, n):
        out = b''
        while len(out) < n:
            c = self.sock.recv(n - len(out))
            if not c:
                raise RuntimeError('the DevTools endpoint closed')
            out += c
        return out

    def _recv(self):
        msg = b''
        while True:
            b0, b1 = self._exact(2)
            n = b1 & 0x7f
            if n == 126:
                n = struct.unpack('>H', self._exact(2))[0]
            elif n == 127:
                n = struct.unpack('>Q', self._exact(8))[0]
            payload = self._exact(n)
            op = b0 & 0x0f
            if op in (0x1, 0x0):
                msg += payload
                if b0 & 0x80:
                    return msg.decode()
            elif op == 0x8:
                raise RuntimeError('the DevTools endpoint closed the WebSocket')

    def call(self, method, **params):
        self.next_id += 1
        self._send(json.dumps({'id': self.next_id, 'method': method, 'params': params}))
        while True:
            m = json.loads(self._recv())
            if m.get('id') == self.next_id:
                if 'error' in m:
                    raise RuntimeError('%s: %s' % (method, m['error']))
                return m.get('result', {})

    def eval(self, expression):
        r = self.call('Runtime.evaluate', expression=expression, returnByValue=True)
        return r.get('result', {}).get('value')

    def screenshot(self, path):
        r = self.call('Page.captureScreenshot', format='png')
        with open(path, 'wb') as f:
            f.write(base64.b64decode(r['data']))

    def close(self):
        self.sock.close()


class Browser:
    """Headless Chromium with a fresh profile, a DevTools port of its own, nothing fetched
    from the network on its own account."""

    def __init__(self, chromium, profile, width=1280, height=900):
        self.proc = subprocess.Popen(
            [chromium, '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
             '--disable-component-update', '--disable-sync', '--no-first-run', '--no-default-browser-check',
             '--user-data-dir=' + profile, '--remote-debugging-port=0', '--window-size=%d,%d' % (width, height),
             'about:blank'],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.port = None
        self.err = []
        deadline = time.time() + 60
        while time.time() < deadline and self.port is None:
            line = self.proc.stderr.readline().decode('utf-8', 'replace')
            if not line and self.proc.poll() is not None:
                break
            self.err.append(line)
            m = re.search(r'DevTools listening on ws://127\.0\.0\.1:(\d+)/', line)
            if m:
                self.port = int(m.group(1))
        if self.port is None:
            self.stop()
            raise RuntimeError('Chromium did not open its DevTools port: %s' % ''.join(self.err[-5:]))
        threading.Thread(target=lambda: [None for _ in self.proc.stderr], daemon=True).start()

    def open(self, url):
        req = urllib.request.Request('http://127.0.0.1:%d/json/new?%s' % (self.port, url), method='PUT')
        with urllib.request.urlopen(req, timeout=30) as r:
            target = json.load(r)
        return Page(target['webSocketDebuggerUrl'])

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
