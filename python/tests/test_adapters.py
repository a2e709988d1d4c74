"""accel.torch, accel.onnxruntime, accel.ctranslate2, accel.tensorflow: one decision applied
to each framework. PyTorch (Debian's CPU build) is used for real; the others are checked as
data, on this machine and on stand-in CUDA stacks — complete, with cuDNN missing its
sub-libraries, without cuDNN, with a driver older than the runtime — built from the fake
libraries of the doctor's tests with the loader cache switched off."""
import json
import os
import sys

import pytest

import accel
from conftest import FAKES, need_fakes, run_json


def test_no_framework_is_imported(np):
    out, _ = run_json(r'''
import json, sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("onnxruntime", "ctranslate2", "tensorflow", "faster_whisper"):
            raise ImportError("accel imported " + name)
sys.meta_path.insert(0, Block())
import accel, accel.onnxruntime, accel.ctranslate2, accel.tensorflow
p = accel.onnxruntime.providers()
s = accel.ctranslate2.settings("small")
t = accel.tensorflow.settings()
print(json.dumps([p, dict(s), dict(t), sorted(m for m in sys.modules if m.split(".")[0] in
      ("onnxruntime", "ctranslate2", "tensorflow", "torch"))]))
''')
    providers, ct2, tf, loaded = out
    assert loaded == []
    assert providers == ["CPUExecutionProvider"]
    cpu = accel.Context(discovery=False).devices[-1]
    assert ct2 == {"device": "cpu", "device_index": 0, "compute_type": "int8",
                   "cpu_threads": cpu.usable_cores}
    assert tf["device"] == "/CPU:0" and tf["device_count"] == {"GPU": 0}
    assert tf["per_process_gpu_memory_fraction"] is None and tf["allow_growth"] is True


def test_torch_on_this_machine(torch):
    import accel.torch as at
    with accel.Context(warmup=False) as ctx:
        d = at.device(context=ctx)
        assert isinstance(d, torch.device) and d.type == ctx.select().torch_name.split(":")[0]
        before = torch.get_num_threads()
        try:
            rep = at.configure(context=ctx)
        finally:
            pass
        names = [s.name for s in rep.settings]
        assert len(rep.settings) == 8 and rep.ok and rep.passed == 8
        assert names[:4] == ["device", "torch.backends.cuda.matmul.allow_tf32",
                             "torch.backends.cudnn.allow_tf32", "torch.backends.cudnn.benchmark"]
        assert rep.summary().startswith("8/8 checks passed")
        assert rep["torch.set_num_threads"].status == "PASS"
        assert torch.get_num_threads() == ctx.devices[-1].usable_cores == rep["torch.set_num_threads"].value
        if d.type == "cpu":
            assert rep["torch.backends.cuda.matmul.allow_tf32"].status == "SKIP"
            assert "no CUDA device in use" in rep["torch.backends.cuda.matmul.allow_tf32"].reason
            assert rep.amp_dtype is None
        assert rep["PYTORCH_MPS_HIGH_WATERMARK_RATIO/PYTORCH_ENABLE_MPS_FALLBACK"].status == (
            "PASS" if sys.platform == "darwin" and d.type == "mps" else "SKIP")
        assert "8/8 checks passed" in str(rep)
        torch.set_num_threads(before)
        # accel's own switch for the operation steers the framework too
        with accel.Context(warmup=False, backend="cpu") as c2:
            assert at.device(context=c2) == torch.device("cpu")


def test_torch_configure_threads_follow_accel_num_threads(torch):
    import accel.torch as at
    before = torch.get_num_threads()
    with accel.Context(discovery=False, num_threads=1) as c:
        rep = at.configure(context=c)
    assert torch.get_num_threads() == 1 and "ACCEL_NUM_THREADS=1 (api)" in rep["torch.set_num_threads"].reason
    torch.set_num_threads(before)
    with accel.Context(discovery=False) as c:
        rep = at.configure(context=c, apply=False)
    assert torch.get_num_threads() == before  # apply=False touches nothing
    # and says so (it reported "(3 applied, …)")
    assert not rep.applied and "applied," not in rep.summary(), rep.summary()
    assert rep.summary().endswith("; nothing applied: apply=False)"), rep.summary()
    assert " to apply, " in rep.summary(), rep.summary()


# ---- stand-in CUDA stacks ------------------------------------------------------------------

SCENARIO = r'''
import json, sys, warnings
warnings.simplefilter("always")
import accel, accel.onnxruntime, accel.ctranslate2, accel.tensorflow
op = sys.argv[1] if len(sys.argv) > 1 and sys.argv[1] != "-" else None
with warnings.catch_warnings(record=True) as w:
    ctx = accel.Context(warmup=False, cache=False)
    p = accel.onnxruntime.providers(op, context=ctx)
    s = accel.ctranslate2.settings("large-v3", op, context=ctx)
    t = accel.tensorflow.settings(op, context=ctx)
    sel = ctx.select(op)
print(json.dumps({"providers": p, "ct2": dict(s), "tf": dict(t), "reasons": p.reasons + s.reasons + t.reasons,
                  "warnings": [str(x.message) for x in w if issubclass(x.category, accel.AccelWarning)],
                  "selected": [sel.index, sel.kind, sel.name, sel.ordinal],
                  "budget": ctx.plan_batch("convert", 1, sel.index).budget_bytes if sel.kind != "cpu" else None,
                  "total": sel.memory_total}))
'''


def stack(*variants, env=None, op="-"):
    dirs = need_fakes(*variants)
    e = {"LD_LIBRARY_PATH": ":".join(dirs)}
    e.update(env or {})
    out, p = run_json(SCENARIO, env=e, inhibit_cache=True, args=[op])
    return out


COMPLETE = ("ok", "cudart12", "cudnn9", "cuda_toolkit12")


def test_complete_stack_gives_every_framework_the_gpu():
    s = stack(*COMPLETE)
    assert s["selected"][:3] == [0, "cuda", "Fake H100"] and s["selected"][3] == 0
    name, opts = s["providers"][0]
    assert name == "CUDAExecutionProvider" and s["providers"][1] == "CPUExecutionProvider"
    assert opts == {"device_id": 0, "gpu_mem_limit": s["budget"]}
    assert 0 < s["budget"] < s["total"]
    assert s["ct2"] == {"device": "cuda", "device_index": 0, "compute_type": "float16",
                        "cpu_threads": s["ct2"]["cpu_threads"]}
    tf = s["tf"]
    assert tf["device"] == "/GPU:0" and tf["visible_device_list"] == "0" and tf["allow_growth"]
    assert tf["per_process_gpu_memory_fraction"] == pytest.approx(s["budget"] / s["total"], abs=1e-3)
    assert tf["memory_limit_mb"] == s["budget"] // (1024 * 1024)
    assert s["warnings"] == []
    assert any("accel chose device 0 (cuda Fake H100)" in r for r in s["reasons"])


def test_memory_limit_and_device_settings_steer_every_framework():
    gib = 1024 ** 3
    s = stack(*COMPLETE, env={"ACCEL_MEMORY_LIMIT_GB": "8"})
    assert s["providers"][0][1]["gpu_mem_limit"] == s["budget"] <= 8 * gib
    assert s["tf"]["per_process_gpu_memory_fraction"] == pytest.approx(0.1, abs=2e-3)
    t4 = stack(*COMPLETE, env={"ACCEL_DEVICE": "1"})
    assert t4["selected"][:3] == [1, "cuda", "Fake T4"] and t4["selected"][3] == 1
    assert t4["providers"][0][1]["device_id"] == 1
    assert t4["ct2"]["device_index"] == 1 and t4["ct2"]["compute_type"] == "float16"  # cc 7.5, 16 GB
    assert t4["tf"]["device"] == "/GPU:1"
    vis = stack(*COMPLETE, env={"CUDA_VISIBLE_DEVICES": "1"})
    assert vis["selected"][2] == "Fake T4" and vis["providers"][0][1]["device_id"] == 0
    off = stack(*COMPLETE, env={"ACCEL_ALL_GPU": "0"})
    assert off["providers"] == ["CPUExecutionProvider"] and off["ct2"]["device"] == "cpu"
    assert off["tf"]["device"] == "/CPU:0"
    per_op = stack(*COMPLETE, env={"ACCEL_WHISPER_GPU": "0"}, op="whisper")
    assert per_op["ct2"]["device"] == "cpu" and per_op["providers"] == ["CPUExecutionProvider"]
    assert stack(*COMPLETE, env={"ACCEL_WHISPER_GPU": "0"}, op="fbank")["ct2"]["device"] == "cuda"


def test_small_gpu_memory_moves_ctranslate2_down():
    s = stack(*COMPLETE, env={"ACCEL_MEMORY_LIMIT_GB": "3"})
    assert s["ct2"]["compute_type"] == "int8_float16"  # large-v3 in float16 needs ~4.4 GB
    s = stack(*COMPLETE, env={"ACCEL_MEMORY_LIMIT_GB": "1"})
    assert s["ct2"]["device"] == "cpu" and any("the CPU runs it" in w for w in s["warnings"])


def test_cudnn_without_its_sub_libraries_is_left_out_with_a_warning():
    s = stack("ok", "cudart12", "cudnn9_noops", "cuda_toolkit12")
    assert s["selected"][1] == "cuda"  # the driver is fine: accel still chooses the GPU
    assert s["providers"] == ["CPUExecutionProvider"]
    assert s["ct2"]["device"] == "cpu" and s["ct2"]["compute_type"] == "int8"
    assert s["tf"]["device"] == "/CPU:0"
    ort = [w for w in s["warnings"] if w.startswith("CUDAExecutionProvider left out")]
    assert ort and "libcudnn" in ort[0] and "SIGABRT" in ort[0] and "libcudnn_ops.so.9" in ort[0]
    assert any(w.startswith("CUDA refused for CTranslate2") and "libcudnn" in w for w in s["warnings"])
    assert any(w.startswith("GPU refused for TensorFlow") for w in s["warnings"])


def test_missing_cudnn_and_old_driver_are_named():
    s = stack("ok", "cudart12", "cuda_toolkit12")
    assert s["providers"] == ["CPUExecutionProvider"] and s["ct2"]["device"] == "cpu"
    assert any("libcudnn" in w and "not found" in w for w in s["warnings"]), s["warnings"]
    s = stack("old_driver", "cudart12", "cudnn9", "cuda_toolkit12")
    assert s["providers"] == ["CPUExecutionProvider"]
    assert any("libcudart.so.12" in w and "11.2" in w for w in s["warnings"]), s["warnings"]


def test_torch_decisions_on_the_stand_in_gpus():
    # PyTorch here has no CUDA: pretend it has, to see the decisions (apply=False: nothing
    # is set on a CUDA that does not exist), and see the honest answer without pretending.
    need_fakes(*COMPLETE)
    code = r'''
import json, sys, warnings, torch
pretend = sys.argv[1] == "1"
if pretend:
    torch.version.cuda = "12.4"
    torch.cuda.is_available = lambda: True
import accel, accel.torch
out = {}
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter("always")
    for dev in ("0", "1"):
        with accel.Context(warmup=False, device=int(dev)) as c:
            r = accel.torch.configure(context=c, apply=False)
            out[dev] = {s.name: [s.status, s.reason] for s in r.settings}
            out[dev]["_device"] = str(r.device)
            out[dev]["_amp"] = str(r.amp_dtype)
out["_warnings"] = [str(x.message) for x in w]
print(json.dumps(out))
'''
    dirs = [os.path.join(FAKES, v) for v in COMPLETE]
    env = {"LD_LIBRARY_PATH": ":".join(dirs)}
    yes, _ = run_json(code, env=env, inhibit_cache=True, args=["1"])
    h100, t4 = yes["0"], yes["1"]
    assert h100["_device"] == "cuda:0" and t4["_device"] == "cuda:1"
    assert h100["torch.backends.cuda.matmul.allow_tf32"][0] == "PASS"
    assert "9.0 >= 8.0" in h100["torch.backends.cudnn.allow_tf32"][1]
    assert t4["torch.backends.cuda.matmul.allow_tf32"] == ["SKIP", "compute capability 7.5 < 8.0"]
    assert h100["torch.backends.cudnn.benchmark"][0] == t4["torch.backends.cudnn.benchmark"][0] == "PASS"
    assert h100["_amp"] == t4["_amp"] == "torch.float16"
    no, _ = run_json(code, env=env, inhibit_cache=True, args=["0"])
    assert no["0"]["_device"] == "cpu" and no["0"]["_amp"] == "None"
    assert "PyTorch cannot use it: this PyTorch is built without CUDA" in no["0"]["device"][1]
    assert any("PyTorch cannot use device 0 (cuda Fake H100)" in m for m in no["_warnings"])
