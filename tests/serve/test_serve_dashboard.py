#!/usr/bin/python3
"""test_serve_dashboard.py ACCEL WORK_DIR — the dashboard page of accel serve in headless
Chromium (skipped, 77, when Chromium is absent), against a server on the stand-in CUDA driver
and NVML whose figures move from one reading to the next (FAKE_NVML_VARY=1):
  - the page loads, with no error, and shows every device /status lists, by name;
  - over a few seconds of real time its charts update: each device's memory and utilisation
    charts gain points, and the GPU's utilisation chart draws values that changed;
  - the operations table shows a request made meanwhile, its fallback, and the doctor's checks;
  - a screenshot is left in WORK_DIR/dashboard.png for a person to look at."""
import json
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_harness import Server, check, done, skip  # noqa: E402

ACCEL, WORK = sys.argv[1:3]
chromium = shutil.which('chromium') or shutil.which('chromium-browser')
if not chromium:
    skip('Chromium is not installed (Debian package chromium): the dashboard is not tested')
from cdp import Browser  # noqa: E402

build = os.path.dirname(ACCEL)
if not os.path.exists(os.path.join(build, 'fake-cuda-backend', 'libcuda.so.1')):
    skip('the stand-in CUDA driver is not built')
os.makedirs(WORK, exist_ok=True)
env = {'LD_LIBRARY_PATH': '%s/fake-cuda-backend:%s/fakes/ok' % (build, build), 'FAKE_NVML_VARY': '1',
       'ACCEL_FAULT': 'launch@op:whisper'}
srv = Server(ACCEL, env=env)
profile = tempfile.mkdtemp(prefix='accel-chromium-')
browser = None
try:
    status = json.loads(srv.request('GET', '/status')[2])
    browser = Browser(chromium, profile)
    page = browser.open('http://%s:%d/' % (srv.host, srv.port))
    deadline = time.time() + 30
    while time.time() < deadline and (page.eval('Number(document.body.dataset.updates)') or 0) < 1:
        time.sleep(0.1)
    check(page.eval('document.title') == 'accel serve', 'the page loads', page.eval('document.title'))
    first = page.eval('Number(document.body.dataset.updates)')
    check(first >= 1, 'the page read /status', first)
    names = page.eval('[...document.querySelectorAll("#devices .card h3")].map(e => e.textContent)')
    for d in status['devices']:
        check(any(d['name'] in (n or '') for n in names or []), 'the page shows device %d (%s)' % (d['index'], d['name']), names)
    check(page.eval('document.getElementById("device").textContent') == 'cuda' and
          page.eval('document.getElementById("gpu").textContent') == 'accel fake CUDA device',
          'the header: device cuda, the GPU by name',
          (page.eval('document.getElementById("device").textContent'), page.eval('document.getElementById("gpu").textContent')))
    # an operation request while the page watches: it falls back, and the page says so
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'data', 'audio', 'speech_a.wav'), 'rb') as f:
        st, _, _ = srv.request('POST', '/v1/audio/features?preset=whisper-80', body=f.read())
    check(st == 200, 'the request succeeds', st)
    time.sleep(4.5)  # real time: the server samples its devices each second
    later = page.eval('Number(document.body.dataset.updates)')
    check(later >= first + 3, 'the page polled again and again', (first, later))
    charts = page.eval('''[...document.querySelectorAll("#devices .card")].map(c => ({
        device: c.dataset.device,
        mem: Number(c.querySelector("canvas.mem").dataset.points),
        util: Number(c.querySelector("canvas.util").dataset.points),
        distinct: Number(c.querySelector("canvas.util").dataset.distinct),
        drawn: c.querySelector("canvas.util").width > 0}))''')
    gpu = [c for c in charts if c['device'] == '0']
    check(gpu and gpu[0]['util'] >= 4 and gpu[0]['mem'] >= 4, 'the GPU charts gained points', charts)
    check(gpu and gpu[0]['distinct'] >= 2, 'the utilisation chart drew values that changed', charts)
    cpu = [c for c in charts if c['device'] == str(status['devices'][-1]['index'])]
    check(cpu and cpu[0]['util'] >= 4 and cpu[0]['drawn'], 'the CPU charts too', charts)
    row = page.eval('(document.querySelector(\'#ops tr[data-op="whisper-80"]\') || {}).textContent')
    check(row and 'kernel_error' in row and '(cpu)' in row, 'the operations table: the call and its fallback', row)
    checks = page.eval('document.querySelectorAll("#doctor tr[data-check]").length')
    check(checks and checks == len(status['doctor']['checks']), "the doctor's checks", (checks, len(status['doctor']['checks'])))
    errors = page.eval('document.getElementById("error").textContent')
    check(errors == '', 'no error shown', errors)
    shot = os.path.join(WORK, 'dashboard.png')
    page.screenshot(shot)
    check(os.path.getsize(shot) > 20000, 'a screenshot', os.path.getsize(shot))
    print('screenshot: ' + shot)
    page.close()
finally:
    if browser:
        browser.stop()
    shutil.rmtree(profile, ignore_errors=True)
    rc = srv.stop()
check(rc == 0, 'the server exits 0', rc)
done()
