"""Every public name: it exists, it is documented, and the type stubs declare it with the
parameters it really takes."""
import ast
import importlib
import inspect
import os

import pytest

import accel
from accel import _accel

PKG = os.path.dirname(accel.__file__)
ADAPTERS = ("torch", "onnxruntime", "ctranslate2", "tensorflow")
MODULES = ("audio", "image", "doctor", "errors") + ADAPTERS


def public_names(mod):
    return list(getattr(mod, "__all__", [n for n in vars(mod) if not n.startswith("_")]))


def stub(name):
    with open(os.path.join(PKG, name + ".pyi"), encoding="utf-8") as f:
        return ast.parse(f.read())


def test_contract_names_exist():
    # the names the issue makes the contract
    for name in ("Context", "Device", "doctor", "Error", "ConfigError", "InputError",
                 "DeviceError", "OutOfMemoryError", "NotBuiltError", "RunRecord"):
        assert name in accel.__all__, name
        assert hasattr(accel, name), name
    sig = inspect.signature(accel.Context)
    want = ["backend", "device", "memory_limit_gb", "memory_fraction", "strict", "num_threads"]
    assert list(sig.parameters)[:6] == want
    assert all(sig.parameters[p].default is None for p in want)
    assert any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values())
    for meth in ("select", "plan_batch", "config", "stats", "close", "__enter__", "__exit__"):
        assert callable(getattr(accel.Context, meth)), meth
    assert list(inspect.signature(accel.Context.select).parameters) == ["self", "op", "explain"]
    for prop in ("devices", "audio", "image", "last_record", "closed"):
        assert isinstance(inspect.getattr_static(accel.Context, prop), property), prop
    from accel.audio import Audio
    for meth in ("features", "load", "vad", "chunks"):
        assert callable(getattr(Audio, meth)), meth
    f = inspect.signature(Audio.features).parameters
    assert f["preset"].default == "whisper-80" and f["windows"].default is False
    assert "padding" in f and "device" in f
    assert list(inspect.signature(Audio.load).parameters)[:3] == ["self", "path", "rate"]
    assert inspect.signature(Audio.load).parameters["rate"].default == 16000
    from accel.image import Image
    # one method per image operation, named as the library function and the CLI verb
    for meth in ("decode", "gray", "resize", "blob", "scrfd_input", "scrfd_output",
                 "warp_affine", "arcface_matrix", "align", "quality", "enhance", "scrfd_prepare"):
        assert callable(getattr(Image, meth)), meth
        assert "device" in inspect.signature(getattr(Image, meth)).parameters or \
            meth == "arcface_matrix", meth
    assert "BatchError" in accel.__all__ and issubclass(accel.BatchError, accel.Error)
    assert list(inspect.signature(accel.torch.device).parameters)[0] == "op"
    assert callable(accel.torch.configure)
    assert list(inspect.signature(accel.onnxruntime.providers).parameters)[0] == "op"
    assert list(inspect.signature(accel.ctranslate2.settings).parameters)[0] == "model_size"
    assert callable(accel.tensorflow.settings)
    r = inspect.signature(accel.doctor)
    assert all(p.kind is p.KEYWORD_ONLY for p in r.parameters.values())
    for attr in ("checks", "exit_code", "to_json"):
        assert hasattr(accel.Report, attr) or attr in ("checks", "exit_code"), attr


@pytest.mark.parametrize("modname", [None] + list(MODULES))
def test_every_public_name_is_documented(modname):
    mod = accel if modname is None else importlib.import_module("accel." + modname)
    assert mod.__doc__ and mod.__doc__.strip()
    undocumented = []
    for name in public_names(mod):
        obj = getattr(mod, name)
        if isinstance(obj, (str, int, float, tuple, dict, list)):
            continue
        if not (getattr(obj, "__doc__", None) or "").strip():
            undocumented.append(name)
            continue
        if inspect.isclass(obj):
            for m, v in vars(obj).items():
                if m.startswith("_") or not (callable(v) or isinstance(v, property)):
                    continue
                if isinstance(v, (staticmethod, classmethod)):
                    v = v.__func__
                if not (getattr(v, "__doc__", None) or "").strip():
                    undocumented.append("%s.%s" % (name, m))
    assert not undocumented, "no docstring: %s" % undocumented


def test_extension_is_documented():
    missing = [n for n in dir(_accel) if not n.startswith("_") and callable(getattr(_accel, n))
               and not (getattr(_accel, n).__doc__ or "").strip()]
    for cls in (_accel.Context, _accel.Buffer, _accel.AudioParams, _accel.Corpus, _accel.RunLog):
        for n, v in vars(cls).items():
            if not n.startswith("_") and not (getattr(v, "__doc__", None) or "").strip():
                missing.append("%s.%s" % (cls.__name__, n))
    assert not missing, missing


def _stub_defs(tree):
    """{name: ast node} of a stub's top level, and of each class's body as Class.name."""
    out = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            out[node.name] = node
        elif isinstance(node, ast.AnnAssign):
            out[node.target.id] = node
        elif isinstance(node, ast.ImportFrom):
            for a in node.names:
                out[a.asname or a.name] = node
        if isinstance(node, ast.ClassDef):
            for sub in node.body:
                if isinstance(sub, ast.FunctionDef):
                    out["%s.%s" % (node.name, sub.name)] = sub
                elif isinstance(sub, ast.AnnAssign):
                    out["%s.%s" % (node.name, sub.target.id)] = sub
    return out


def _stub_params(fn):
    a = fn.args
    names = [x.arg for x in a.posonlyargs + a.args]
    names += [a.vararg.arg] if a.vararg else []
    names += [x.arg for x in a.kwonlyargs]
    names += [a.kwarg.arg] if a.kwarg else []
    return [n for n in names if n != "cls"]


def test_dir_lists_no_helpers_of_the_module_itself():
    # `from __future__ import annotations`, `import importlib` and `Any` once showed in dir()
    names = dir(accel)
    for helper in ("annotations", "importlib", "Any"):
        assert helper not in names, helper
    for name in accel.__all__ + ["audio", "image", "torch", "dask", "version", "__version__"]:
        assert name in names, name


def test_package_stub_declares_every_public_name():
    defs = _stub_defs(stub("__init__"))
    missing = [n for n in accel.__all__ + list(ADAPTERS) + ["version", "__version__"]
               if n not in defs]
    assert not missing, "not in accel/__init__.pyi: %s" % missing


def test_extension_stub_matches_the_extension():
    defs = _stub_defs(stub("_accel"))
    missing, wrong = [], []
    for name in dir(_accel):
        if name.startswith("_"):
            continue
        obj = getattr(_accel, name)
        if name not in defs:
            missing.append(name)
            continue
        if inspect.isbuiltin(obj):
            want = list(inspect.signature(obj).parameters)
            if _stub_params(defs[name]) != want:
                wrong.append((name, _stub_params(defs[name]), want))
        if inspect.isclass(obj):
            for m, v in vars(obj).items():
                if m.startswith("_") and m not in ("__dlpack__", "__dlpack_device__"):
                    continue
                key = "%s.%s" % (name, m)
                if key not in defs:
                    missing.append(key)
                    continue
                try:
                    want = list(inspect.signature(v).parameters)
                except (TypeError, ValueError):
                    continue  # getset descriptors: declared as properties or attributes
                if _stub_params(defs[key]) != want:
                    wrong.append((key, _stub_params(defs[key]), want))
    # AudioParams fields are attributes served by the type; every one is declared
    for f, _alias, _doc in _accel.AudioParams.fields():
        if "AudioParams.%s" % f not in defs:
            missing.append("AudioParams." + f)
    assert not missing, "not in accel/_accel.pyi: %s" % missing
    assert not wrong, "parameters differ (stub, runtime): %s" % wrong


@pytest.mark.parametrize("modname", ["_context", "_device", "_records", "audio", "image", "doctor",
                                     "_policy", "_corpus"] + list(ADAPTERS))
def test_python_modules_are_annotated(modname):
    mod = importlib.import_module("accel." + modname)
    bare = []
    for name, obj in vars(mod).items():
        if name.startswith("_") or getattr(obj, "__module__", None) != mod.__name__:
            continue
        fns = [(name, obj)] if inspect.isfunction(obj) else []
        if inspect.isclass(obj):
            fns += [("%s.%s" % (name, m), v) for m, v in vars(obj).items()
                    if inspect.isfunction(v) and (not m.startswith("_") or m == "__init__")]
        for fname, fn in fns:
            sig = inspect.signature(fn)
            for p in sig.parameters.values():
                if p.name not in ("self", "cls") and p.annotation is p.empty:
                    bare.append("%s(%s)" % (fname, p.name))
            if sig.return_annotation is sig.empty:
                bare.append(fname + " -> ?")
    assert not bare, "unannotated: %s" % bare


def test_py_typed_marker_ships():
    assert os.path.isfile(os.path.join(PKG, "py.typed"))


def test_version():
    s, n = _accel.version()
    assert accel.version() == s == accel.__version__
    major, minor, patch = (int(x) for x in s.split("."))
    assert n == major * 10000 + minor * 100 + patch == _accel.HEADER_VERSION
