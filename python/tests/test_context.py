"""accel.Context: settings, devices (every field of the C struct), selection, configuration,
plans, statistics, closing, and the contract's typed errors."""
import os
import re
import threading

import pytest

import accel
from conftest import SOURCE, cli, need_cli, need_fakes, run_json

# ---- settings ---------------------------------------------------------------------------


def test_settings_override_environment_and_report_source(monkeypatch):
    monkeypatch.setenv("ACCEL_BATCH_SIZE", "7")
    with accel.Context(discovery=False, batch_size=32, strict=True, num_threads=1,
                       memory_limit_gb=1.5, memory_fraction=0.25, whisper_gpu=False,
                       ACCEL_LOG_LEVEL="error") as ctx:
        cfg = ctx.config()
        assert cfg["ACCEL_BATCH_SIZE"] == accel.ConfigValue("32", "api")
        assert cfg["ACCEL_STRICT"] == accel.ConfigValue("1", "api")
        assert cfg["ACCEL_NUM_THREADS"].value == "1"
        assert cfg["ACCEL_MEMORY_LIMIT_GB"].value == "1.5"
        assert cfg["ACCEL_MEMORY_FRACTION"].value == "0.25"
        assert cfg["ACCEL_WHISPER_GPU"] == accel.ConfigValue("0", "api")
        assert cfg["ACCEL_LOG_LEVEL"].value == "error"
    with accel.Context(discovery=False) as ctx:
        assert ctx.config()["ACCEL_BATCH_SIZE"] == accel.ConfigValue("7", "env")
        assert ctx.config()["ACCEL_BACKEND"] == accel.ConfigValue("auto", "default")


def test_config_equals_the_cli(ctx):
    need_cli()
    text = cli("config", check=True).stdout
    keys = [l.split()[0] for l in text.splitlines()[1:] if l.strip()]
    cfg = ctx.config()
    assert list(cfg) == keys
    for key in keys:
        value, source = cli("config", "--get", key, check=True).stdout.rstrip("\n").split("\t")
        assert (cfg[key].value or "", cfg[key].source) == (value, source), key


@pytest.mark.parametrize("kwargs,needle", [
    ({"backend": "gpu"}, "ACCEL_BACKEND=gpu"),
    ({"memory_fraction": 1.5}, "ACCEL_MEMORY_FRACTION"),
    ({"num_threads": 0}, "ACCEL_NUM_THREADS"),
    ({"bogus_setting": 1}, "ACCEL_BOGUS_SETTING"),
    ({"strict": "maybe"}, "ACCEL_STRICT"),
])
def test_bad_settings_raise_config_error(kwargs, needle):
    with pytest.raises(accel.ConfigError) as e:
        accel.Context(discovery=False, **kwargs)
    assert e.value.status == "ERR_CONFIG" and e.value.code == 3
    assert needle in e.value.message and "allowed" in e.value.message
    assert isinstance(e.value, ValueError)


def test_bad_setting_types_raise_input_error():
    # a wrong type is an InputTypeError (a TypeError too), naming the setting
    with pytest.raises(accel.InputTypeError, match="ACCEL_BATCH_SIZE: expected a setting value, "
                       "got list"):
        accel.Context(discovery=False, batch_size=[1])
    with pytest.raises(accel.InputTypeError, match="device: expected a device, got float 1.5"):
        accel.Context(discovery=False, device=1.5)
    with pytest.raises(accel.InputError, match="accel names devices"):
        accel.Context(discovery=False, device="cuda:1")
    with pytest.raises(accel.InputError, match="disagree"):
        accel.Context(discovery=False, device="cpu", backend="cuda")


def test_device_keyword_takes_a_kind_an_index_or_a_device(ctx):
    with accel.Context(device="cpu", warmup=False) as c:
        assert c.config()["ACCEL_BACKEND"] == accel.ConfigValue("cpu", "api")
        assert c.select().kind == "cpu"
    cpu = ctx.devices[-1]
    with accel.Context(device=cpu, warmup=False) as c:
        assert c.config()["ACCEL_DEVICE"].value == str(cpu.index)
        assert c.select().index == cpu.index


def test_device_words_are_the_clis(ctx, np):
    # device= reads a word as `--device` does (one reader, tools/accel/cli_device.c): the
    # aliases hip and mps in any case, auto, an index, a PCI bus id; what --device refuses is
    # refused with the CLI's reason and list ("hip" was once taken for a bus id, "" for auto,
    # and a malformed bus id got ACCEL_DEVICE's message, not --device's)
    for word, want in (("hip", ("ACCEL_BACKEND", "rocm")), ("HIP", ("ACCEL_BACKEND", "rocm")),
                       ("mps", ("ACCEL_BACKEND", "metal")), ("Cpu", ("ACCEL_BACKEND", "cpu")),
                       ("1", ("ACCEL_DEVICE", "1")), ("01:00.0", ("ACCEL_DEVICE", "01:00.0")),
                       ("0000:C3:1f.7", ("ACCEL_DEVICE", "0000:C3:1f.7"))):
        with accel.Context(device=word, discovery=False, warmup=False) as c:
            got = c.config()[want[0]]
            assert (want[0], got.value, got.source) == want + ("api",), word
    with accel.Context(device="AUTO", discovery=False, warmup=False) as c:
        assert c.config()["ACCEL_BACKEND"].source != "api"
    x = np.ones(4, np.float32)
    assert ctx.reduce(x, device="hip") == 4.0  # absent here: the policy's choice, as the CLI
    need_cli()
    for word in ("tpu", "cdua", "gpu", "all", "", "-1", "+1", "01:00", "zz:00.0", "0:100:00.0"):
        p = cli("plan", "--op", "whisper", "--device", word)
        assert p.returncode == 2, (word, p.stderr)
        reason = p.stderr.strip().split(": ", 3)[3]  # after "accel plan: error: --device W"
        for call in (lambda: accel.Context(device=word, discovery=False, warmup=False),
                     lambda: ctx.reduce(x, device=word)):
            with pytest.raises(accel.ConfigError) as e:
                call()
            assert e.value.message.startswith("device '%s': %s; " % (word, reason)), \
                (word, e.value.message, reason)
            assert "PCI bus id such as 0000:01:00.0" in e.value.message
            assert "accel.Device" in e.value.message
    with pytest.raises(accel.InputError, match="disagree"):
        accel.Context(discovery=False, device="hip", backend="cuda")
    with accel.Context(device="hip", backend="ROCm", discovery=False, warmup=False) as c:
        assert c.config()["ACCEL_BACKEND"].value == "rocm"


# ---- devices ------------------------------------------------------------------------------


def c_struct_fields():
    text = open(os.path.join(SOURCE, "include", "accel.h"), encoding="utf-8").read()
    body = re.search(r"typedef struct accel_device_info \{(.*?)\} accel_device_info;", text, re.S)
    body = re.sub(r"/\*.*?\*/", "", body.group(1), flags=re.S)
    names = []
    for decl in body.split(";"):
        decl = decl.strip()
        if not decl:
            continue
        words = decl.replace(",", " , ").split()
        for part in " ".join(words[1:]).split(","):
            part = part.strip().split("[")[0].strip("* ")
            if part:
                names.append(part)
    return [n for n in names if n != "struct_size"]


def test_device_has_every_field_of_the_c_struct(ctx):
    from accel._device import C_FIELDS
    fields = c_struct_fields()
    assert len(fields) >= 30, fields
    unmapped = [f for f in fields if f not in C_FIELDS]
    assert not unmapped, "accel_device_info fields without an accel.Device attribute: %s" % unmapped
    for d in ctx.devices:
        for f in fields:
            assert hasattr(d, C_FIELDS[f]), f


def test_devices_equal_the_cli_json(ctx):
    import json
    doc = json.loads(cli("devices", "--json", check=True).stdout)
    ours = [d.to_dict() for d in ctx.devices]
    assert len(ours) == len(doc["devices"])
    for a, b in zip(ours, doc["devices"]):
        for vol in ("memory", "telemetry"):  # free memory moves between two runs
            a.pop(vol), b.pop(vol)
        assert a == b


def test_device_repr_is_readable(ctx):
    cpu = ctx.devices[-1]
    r = repr(cpu)
    assert r.startswith("Device(%d, cpu, %r" % (cpu.index, cpu.name)), r
    assert "usable" in r and "GiB" in r
    assert cpu.kind == "cpu" and cpu.usable and cpu.ordinal is None
    assert cpu.usable_cores >= 1 and cpu.simd and cpu.torch_name == "cpu"
    assert isinstance(cpu.routes, tuple) and "cpu" in cpu.routes


def test_fake_gpus_map_every_field_and_the_ordinal():
    ok, = need_fakes("ok")
    out, _ = run_json(r'''
import json, accel
with accel.Context(warmup=False, cache=False) as c:
    print(json.dumps([[d.index, d.kind, d.name, d.compute_capability, d.memory_total,
                       d.pci_bus_id, d.ordinal, d.torch_name, d.driver_cuda_version, repr(d)]
                      for d in c.devices]))
''', env={"LD_LIBRARY_PATH": ok, "CUDA_VISIBLE_DEVICES": "1"})
    gpus = [d for d in out if d[1] == "cuda"]
    assert len(gpus) == 1, out
    idx, kind, name, cc, total, bus, ordinal, tname, drv, r = gpus[0]
    assert name == "Fake T4" and cc == [7, 5] and bus == "0000:42:00.0"
    assert ordinal == 0 and tname == "cuda:0"  # CUDA_VISIBLE_DEVICES=1: the runtime's device 0
    assert drv == 12040 and total == 16 * 1024 ** 3
    assert "cc 7.5" in r and "sm_75" in r and "0000:42:00.0" in r


def test_device_lookup(ctx):
    assert ctx.device(0) == ctx.devices[0]
    with pytest.raises(accel.NotFoundError, match="does not exist"):
        ctx.device(len(ctx.devices))


# ---- selection ----------------------------------------------------------------------------


def test_select_and_explain_equal_the_cli(ctx):
    need_cli()
    d = ctx.select()
    line = cli("select", check=True).stdout
    assert line.split()[0] == str(d.index) and line.split()[1] == d.kind
    sel = ctx.select("whisper", explain=True)
    assert isinstance(sel, accel.Selection) and sel.device.index == sel.index
    # a device's score grows with its free memory, which moves between the two calls
    score = lambda t: re.sub(r"score +[0-9.]+", "score S", t)
    assert score(sel.explain) == score(cli("select", "--op", "whisper", "--explain", check=True).stdout)
    assert "chosen: device %d" % sel.index in sel.explain


def test_select_unknown_operation(ctx):
    with pytest.raises(accel.NotFoundError) as e:
        ctx.select("nope")
    assert e.value.status == "ERR_NOT_FOUND" and "nope" in e.value.message


def test_strict_refusal_carries_the_explanation():
    with pytest.raises(accel.StrictError) as e:
        accel.Context(backend="cuda", strict=True, discovery=False).select()
    assert e.value.status == "ERR_STRICT"
    assert e.value.explain and "candidates" in e.value.explain


def test_requested_absent_device_falls_back_to_the_cpu():
    with accel.Context(backend="cuda", discovery=False) as c:
        assert c.select().kind == "cpu"


def test_precision(ctx):
    assert ctx.precision(ctx.devices[-1]) >= {"fp32"}
    assert "int8" in ctx.precision(len(ctx.devices) - 1)
    with accel.Context(discovery=False, precision="fp32") as c:
        assert c.precision() == frozenset({"fp32"})


# ---- plans and statistics -------------------------------------------------------------


def test_plan_batch_and_chunk(ctx):
    p = ctx.plan_batch("convert", 1000)
    assert isinstance(p, accel.Plan) and p.batch >= 1 and p.budget_bytes > 0
    assert p.device == ctx.select("convert").index and "budget" in p.why
    with accel.Context(discovery=False, memory_limit_gb=1) as c:
        small = c.plan_batch("convert", 1000)
        assert small.budget_bytes <= 1 << 30 and small.batch < p.batch
        ch = c.plan_chunk("vggish", 7 * 3600.0)
        assert 0 < ch.chunk_seconds < 7 * 3600 and "chunks of" in ch.why
    with pytest.raises(accel.NotFoundError):
        ctx.plan_batch("nope")


def test_stats_count_calls_and_last_record(np):
    with accel.Context(discovery=False) as c:
        assert c.stats() == {} and c.last_record is None
        c.convert(np.zeros(10, np.int16))
        c.convert(np.zeros(10, np.int16))
        c.reduce(np.ones(4, np.float32))
        st = c.stats()
        assert st["convert"].calls == 2 and st["reduce"].calls == 1
        assert st["convert"].failures == 0 and sum(st["convert"].fallbacks.values()) == 0
        rec = c.last_record
        assert isinstance(rec, accel.RunRecord) and rec.device_used == c.devices[-1].index
        assert rec.fallbacks == 0 and rec.reason == "none" and not rec.fell_back
        assert rec.device is c.devices[-1] or rec.device == c.devices[-1]
        assert "no fallback" in repr(rec)


def test_last_record_is_per_thread(np):
    with accel.Context(discovery=False) as c:
        c.convert(np.zeros(3, np.int16))
        seen = []
        t = threading.Thread(target=lambda: seen.append(c.last_record))
        t.start()
        t.join()
        assert seen == [None] and c.last_record is not None


def test_fallback_is_recorded_with_its_reason():
    # a fault injected on the stand-in GPU: the executor falls back to the CPU and says why
    ok, = need_fakes("ok")
    out, _ = run_json(r'''
import json, numpy as np, accel
with accel.Context(fault="oom@op:convert") as c:
    y = c.convert(np.arange(6, dtype=np.int16), scale=2.0)
    r = c.last_record
    print(json.dumps([y.tolist(), r.device_planned, r.device_used, r.fallbacks, r.reason,
                      r.message, c.devices[r.device_planned].kind, c.devices[r.device_used].kind,
                      c.stats()["convert"].fallbacks["oom"]]))
''', env={"LD_LIBRARY_PATH": os.path.join(os.path.dirname(ok), "..", "fake-cuda-backend")})
    y, planned, used, n, reason, msg, pk, uk, count = out
    assert y == [0, 2, 4, 6, 8, 10]
    if pk == "cpu":
        pytest.skip("no stand-in GPU was planned (%s)" % out)
    assert pk == "cuda" and uk == "cpu" and n == 1 and reason == "oom" and count == 1
    assert msg


# ---- life ---------------------------------------------------------------------------------


def test_context_manager_and_close():
    import numpy as np
    with accel.Context(discovery=False) as c:
        assert not c.closed
    assert c.closed
    c.close()  # idempotent
    with pytest.raises(accel.InputError, match="closed"):
        c.convert(np.zeros(2, np.int16))
    with pytest.raises(accel.InputError, match="closed"):
        c.select()
    assert "closed" in repr(c)


def test_close_waits_for_calls_in_progress(np):
    import sys
    import time
    c = accel.Context(discovery=False, num_threads=1)
    # 401-sample frames (prime: no FFT, a direct DFT), on an input long enough for about two
    # seconds of work on this machine (timed on ten seconds of it first)
    slow = accel.AudioParams("fbank", frame_length_ms=25.0625, round_to_power_of_two=False)
    x = np.random.default_rng(1).standard_normal(16000 * 10).astype(np.float32)
    t0 = time.monotonic()
    c.audio.features(x, slow)
    seconds = min(1200, max(120, int(10 * 2.0 / max(time.monotonic() - t0, 1e-3))))
    x = np.tile(x, seconds // 10)
    frames = (len(x) - 401) // 160 + 1
    errors, done = [], []

    def work():
        try:
            done.append(c.audio.features(x, slow).shape)
        except Exception as e:  # reported below
            errors.append(e)

    t = threading.Thread(target=work)
    t.start()
    # wait until the worker is in the extension call (its frame is the audio wrapper's and it
    # has let go of the GIL), then close under it
    while t.is_alive():
        f = sys._current_frames().get(t.ident)
        if f is not None and f.f_code.co_name == "_features_one":
            break
    time.sleep(0.2)
    assert t.is_alive(), "the call finished before close() could race it"
    t0 = time.monotonic()
    c.close()  # waits for the call instead of destroying the context under it
    waited = time.monotonic() - t0
    t.join()
    assert not errors and done == [(frames, 23)]
    assert c.closed and waited > 0.0
