"""ctx.image: every image operation equal, byte for byte, to what `accel image …` writes for the
same files (scikit-image's photographs as JPEG, PNG and WebP, a 1080p JPEG, random images as
PNG), and to the references where the CLI has no verb (OpenCV's gray and warpAffine,
insightface's SCRFD post-processing restated in numpy); batches of mixed sizes equal to one
image at a time; inputs read in place or once copied giving the same bytes; per-image errors
in a batch; the GIL released."""
import importlib.util
import json
import os
import threading
import time

import pytest

import accel
from conftest import SOURCE, cli, need_cli

cv2 = pytest.importorskip("cv2")
skdata = pytest.importorskip("skimage.data")
np = pytest.importorskip("numpy")

LANDMARKS = [202, 98, 248, 97, 225, 122, 206, 145, 246, 143]  # astronaut's face


@pytest.fixture(scope="module", autouse=True)
def where(ctx):
    """With ACCEL_BACKEND naming a kind (the python_image_opencl run), the image calls must run
    there: without such a device the file is skipped, not run on the CPU under that name."""
    kind = os.environ.get("ACCEL_BACKEND", "auto")
    if kind not in ("auto", "cpu"):
        got = ctx.select("image_quality").kind
        if got != kind:
            pytest.skip("ACCEL_BACKEND=%s, but the image operations would run on %s (no usable "
                        "%s device)" % (kind, got, kind))
    return kind


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """{name: (path, the BGR pixels cv2.imread gives)}: photographs in three formats, a 1080p
    JPEG, a gray PNG, random images (lossless PNG)."""
    d = tmp_path_factory.mktemp("images")
    rng = np.random.default_rng(11)
    photo = {n: np.ascontiguousarray(getattr(skdata, n)()[..., ::-1])
             for n in ("astronaut", "coffee", "chelsea", "rocket")}
    out = {}

    def put(name, img, params=()):
        p = str(d / name)
        assert cv2.imwrite(p, img, list(params)), p
        out[name] = (p, cv2.imread(p, cv2.IMREAD_COLOR))

    put("astronaut.jpg", photo["astronaut"], (cv2.IMWRITE_JPEG_QUALITY, 92))
    put("coffee.png", photo["coffee"])
    put("chelsea.webp", photo["chelsea"], (cv2.IMWRITE_WEBP_QUALITY, 90))
    put("rocket.jpg", photo["rocket"])
    put("hd.jpg", cv2.resize(photo["coffee"], (1920, 1080)), (cv2.IMWRITE_JPEG_QUALITY, 90))
    put("camera.png", skdata.camera())
    for i, (h, w) in enumerate(((1, 1), (37, 61), (120, 90), (480, 640))):
        put("random%d.png" % i, rng.integers(0, 256, (h, w, 3), dtype=np.uint8))
    return out


def run_cli(*args):
    p = cli(*args)
    assert p.returncode == 0, "accel %s: exit %d\n%s" % (" ".join(args), p.returncode, p.stderr)
    return p


def same(a, b, what):
    assert a.dtype == b.dtype and a.shape == b.shape, (what, a.dtype, a.shape, b.dtype, b.shape)
    assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), (what, int((a != b).sum()))


# ---- the CLI's verbs --------------------------------------------------------------------------

def test_decode_equals_the_cli(ctx, files, tmp_path):
    need_cli()
    paths = [p for p, _ in files.values()]
    batch = ctx.image.decode(paths)
    for (name, (path, ref)), got in zip(files.items(), batch):
        out = str(tmp_path / (name + ".npy"))
        run_cli("image", "decode", path, "-o", out)
        want = np.load(out)
        same(ctx.image.decode(path), want, name)
        same(got, want, name + " (batch)")
        with open(path, "rb") as f:
            data = f.read()
        same(ctx.image.decode(data), want, name + " (bytes)")
        same(ctx.image.decode(np.frombuffer(data, np.uint8)), want, name + " (uint8 array)")
        same(want, ref, name + " (cv2.imread)")
    arr, info = ctx.image.decode(files["astronaut.jpg"][0], return_info=True)
    assert (info.format, info.width, info.height, info.orientation) == ("jpeg", 512, 512, 1)
    half = ctx.image.decode(files["hd.jpg"][0], scale_denom=2)
    same(half, cv2.imread(files["hd.jpg"][0], cv2.IMREAD_REDUCED_COLOR_2), "1/2")
    rgb = ctx.image.decode(files["coffee.png"][0], order="rgb")
    same(rgb, np.ascontiguousarray(files["coffee.png"][1][..., ::-1]), "rgb")


def test_quality_equals_the_cli(ctx, files):
    need_cli()
    paths = [p for p, _ in files.values()]
    doc = json.loads(run_cli("image", "quality", *paths, "--json").stdout)
    from_paths = ctx.image.quality(paths)
    from_pixels = ctx.image.quality([ref for _, ref in files.values()])
    keys = ("width", "height", "blur_laplacian_var", "brightness", "contrast",
            "sharpness_tenengrad", "overall")
    for row, a, b, path in zip(doc["images"], from_paths, from_pixels, paths):
        assert row["file"] == path
        want = {k: row[k] for k in keys}
        assert a.to_dict() == want, path  # exact: JSON numbers are the shortest exact form
        assert b.to_dict() == want, path
        assert ctx.image.quality(path) == a
    # the thresholds of `overall` are parameters
    q = ctx.image.quality(files["camera.png"][1], blur_good=1e9, w_blur=1.0, w_sharpness=0,
                          w_contrast=0, w_brightness=0)
    assert 0 < q.overall < 1e-3 and q.blur_laplacian_var == from_paths[5].blur_laplacian_var


@pytest.mark.parametrize("interp", ["linear", "area"])
def test_resize_equals_the_cli(ctx, files, tmp_path, interp):
    need_cli()
    for name in ("astronaut.jpg", "chelsea.webp", "hd.jpg", "camera.png", "random1.png"):
        path, img = files[name]
        for w, h in ((224, 224), (97, 31), (1000, 700)):
            out = str(tmp_path / ("%s_%dx%d.npy" % (name, w, h)))
            run_cli("image", "resize", path, "--size", "%dx%d" % (w, h), "--interp", interp,
                    "-o", out)
            want = np.load(out)
            same(ctx.image.resize(path, (w, h), interp=interp), want, (name, w, h))
            same(ctx.image.resize(img, (w, h), interp=interp), want, (name, w, h))
            ref = cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA if interp == "area"
                             else cv2.INTER_LINEAR)
            same(want, ref, (name, w, h, "cv2"))


@pytest.mark.parametrize("model,size", [("scrfd", None), ("scrfd", 320), ("arcface", None),
                                        ("arcface", 224)])
def test_blob_equals_the_cli(ctx, files, tmp_path, model, size):
    need_cli()
    paths = [p for p, _ in files.values()]
    out = str(tmp_path / "blob.npy")
    extra = ["--size", str(size)] if size else []
    doc = json.loads(run_cli("image", "blob", *paths, "--model", model, *extra, "-o", out,
                             "--json").stdout)
    want = np.load(out)
    got = ctx.image.blob(paths, model, size=size)
    same(got, want, model)
    same(ctx.image.blob([ref for _, ref in files.values()], model, size=size), want, model)
    same(ctx.image.blob(paths[0], model, size=size), want[:1], model + " (one image)")
    if model == "scrfd":
        si = ctx.image.scrfd_input(paths, size or 640)
        same(si.blob, want, "scrfd_input")
        assert [r["det_scale"] for r in doc["images"]] == si.det_scale.tolist()
        one = ctx.image.scrfd_input(paths[0], size or 640)
        assert isinstance(one.det_scale, float) and one.det_scale == doc["images"][0]["det_scale"]


def test_scrfd_prepare_is_decode_scrfd_input_and_quality(ctx, files, tmp_path):
    paths = [p for p, _ in files.values()]
    for size in (640, (480, 320)):
        got = ctx.image.scrfd_prepare(paths, size)
        si = ctx.image.scrfd_input(paths, size)
        same(got.blob, si.blob, ("blob", size))
        assert got.det_scale.tolist() == si.det_scale.tolist()
        assert got.quality == ctx.image.quality(paths)
        for img, (_, ref) in zip(got.image, files.values()):
            same(img, ref, "decoded")
    # one file, from its path and from its bytes, one thread and two
    path = files["hd.jpg"][0]
    one = ctx.image.scrfd_prepare(path)
    with open(path, "rb") as f:
        data = f.read()
    for other in (ctx.image.scrfd_prepare(data),
                  accel.Context(num_threads=1, discovery=False).image.scrfd_prepare(path)):
        same(other.blob, one.blob, "bytes / one thread")
        assert other.det_scale == one.det_scale and other.quality == one.quality
        same(other.image, one.image, "image")
    assert isinstance(one.det_scale, float) and one.blob.shape == (1, 3, 640, 640)
    assert one.quality == ctx.image.quality(path)
    q = ctx.image.scrfd_prepare(path, blur_good=1e9).quality
    assert q.overall < one.quality.overall and q.blur_laplacian_var == one.quality.blur_laplacian_var
    # a batch keeps what succeeded: a truncated JPEG (cut after most of its rows), a missing
    # file and a non-file fail alone
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(data[: len(data) * 7 // 10])
    with pytest.raises(accel.BatchError) as ei:
        ctx.image.scrfd_prepare([path, str(cut), str(tmp_path / "missing.jpg"), data])
    e = ei.value
    assert e.failed == [1, 2] and isinstance(e.errors[1], accel.FormatError)
    assert "cut.jpg" in e.errors[1].message and "truncated" in e.errors[1].message
    assert isinstance(e.errors[2], accel.NotFoundError)
    r = e.results
    assert np.isnan(r.blob[1]).all() and np.isnan(r.blob[2]).all() and np.isnan(r.det_scale[1])
    same(r.blob[0], one.blob[0], "row 0"), same(r.blob[3], one.blob[0], "row 3")
    assert r.quality[0] == one.quality and r.image[1] is None and r.quality[2] is None
    with pytest.raises(accel.InputError, match="scrfd_input and quality"):
        ctx.image.scrfd_prepare(files["hd.jpg"][1])


def test_align_equals_the_cli(ctx, files, tmp_path):
    need_cli()
    path, img = files["astronaut.jpg"]
    rng = np.random.default_rng(5)
    sets = [np.array(LANDMARKS, np.float32)]
    for _ in range(4):
        sets.append((sets[0] + rng.normal(0, 4, 10)).astype(np.float32))
    crops = ctx.image.align(img, np.stack(sets).reshape(-1, 5, 2))
    assert crops.shape == (5, 112, 112, 3)
    for k, lm in enumerate(sets):
        text = ",".join(repr(float(v)) for v in lm)
        for size in (112, 224):
            out = str(tmp_path / ("face%d_%d.npy" % (k, size)))
            doc = json.loads(run_cli("image", "align", path, "--landmarks", text,
                                     "--size", str(size), "-o", out, "--json").stdout)
            want = np.load(out)
            same(ctx.image.align(path, lm, size), want, (k, size))
            same(ctx.image.align(img, lm.reshape(5, 2), size), want, (k, size))
            if size == 112:
                same(crops[k], want, (k, "several faces"))
            m = ctx.image.arcface_matrix(lm, size)
            assert m.tolist() == [doc["matrix"][:3], doc["matrix"][3:]]
    # no face detected: empty results, as detect() gives an empty kpss
    none = ctx.image.align(img, np.zeros((0, 5, 2), np.float32), blob=True)
    assert none.crops.shape == (0, 112, 112, 3) and none.blob.shape == (0, 3, 112, 112)
    # the ArcFace blob of the crops equals the arcface blob of the crop
    a = ctx.image.align(img, LANDMARKS, blob=True)
    same(a.blob, ctx.image.blob(a.crops, "arcface"), "align blob")


# skimage's SimilarityTransform fits with numpy's SVD (LAPACK's dgesdd); accel restates the
# reference LAPACK's arithmetic. Under OpenBLAS the SVD's last bits depend on the CPU's kernels
# (docs/image.md), so the matrices skimage gives are then made in a child process with
# Debian's reference libblas3/liblapack3 first on the library path.
_SKIMAGE_FIT = """
import sys, numpy as np
from skimage import transform as T
d = np.load(sys.argv[1])
out = []
for lmk, dst in zip(d["lmk"], d["dst"]):
    t = T.SimilarityTransform(); t.estimate(lmk, dst); out.append(t.params[0:2, :])
np.save(sys.argv[2], np.array(out))
print("\\n".join(sorted({l.split()[-1] for l in open("/proc/self/maps")
                         if l.split()[-1].rsplit("/", 1)[-1].startswith(("liblapack", "libblas", "libopenblas"))})))
"""


def _numpy_lapack():
    import numpy.linalg  # noqa: F401  (maps the LAPACK numpy uses)
    with open("/proc/self/maps") as f:
        libs = {line.split()[-1] for line in f
                if line.split()[-1].rsplit("/", 1)[-1].startswith(("liblapack", "libblas", "libopenblas"))}
    return sorted(libs)


def _reference_dirs():
    import sysconfig
    ma = sysconfig.get_config_var("MULTIARCH") or ""
    dirs = ["/usr/lib/%s/%s" % (ma, n) for n in ("blas", "lapack")]
    ok = ma and all(os.path.exists("%s/lib%s.so.3" % (d, d.rsplit("/", 1)[1])) for d in dirs)
    return dirs if ok else None


def skimage_fits(lmks, dsts, tmp_path):
    """skimage's ArcFace matrices for each (landmarks, destination), on the reference LAPACK."""
    libs = _numpy_lapack()
    if libs and all("/lapack/" in l or "/blas/" in l for l in libs):
        from skimage import transform as T
        out = []
        for lmk, dst in zip(lmks, dsts):
            t = T.SimilarityTransform()
            t.estimate(lmk, dst)
            out.append(t.params[0:2, :])
        return out
    dirs = _reference_dirs()
    if dirs is None:
        pytest.skip("numpy runs on %s, whose SVD differs in its last bits from the reference LAPACK "
                    "accel restates; install libblas3 and liblapack3" % (libs or "an unknown LAPACK"))
    import subprocess
    import sys
    src, dst = str(tmp_path / "fit_in.npz"), str(tmp_path / "fit_out.npy")
    np.savez(src, lmk=np.array(lmks), dst=np.array(dsts))
    env = dict(os.environ, LD_LIBRARY_PATH=":".join(dirs + [os.environ.get("LD_LIBRARY_PATH", "")]).rstrip(":"))
    r = subprocess.run([sys.executable, "-c", _SKIMAGE_FIT, src, dst], check=True, env=env,
                       capture_output=True, text=True)
    child = r.stdout.split()
    if not child or not all("/lapack/" in l or "/blas/" in l for l in child):
        pytest.skip("numpy keeps %s even with the reference LAPACK first on the library path" % child)
    return list(np.load(dst))


def test_align_is_insightfaces(ctx, files, tmp_path):
    """insightface's estimate_norm + norm_crop, restated (skimage's SimilarityTransform on the
    float32 arrays, cv2.warpAffine): the same matrix to the last bit and the same crop, for
    faces moved, scaled, turned and mirrored."""
    pytest.importorskip("skimage.transform")
    import math
    dst0 = np.array([[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366],
                     [41.5493, 92.3655], [70.7299, 92.2041]], dtype=np.float32)
    _, img = files["astronaut.jpg"]
    rng = np.random.default_rng(11)
    face = np.array(LANDMARKS, np.float64).reshape(5, 2)
    cases = []
    for k in range(120):
        ang = rng.uniform(-math.pi, math.pi) if k % 3 == 2 else rng.uniform(-0.4, 0.4)
        rot = np.array([[math.cos(ang), -math.sin(ang)], [math.sin(ang), math.cos(ang)]])
        pts = (face - face.mean(0)) @ rot.T * rng.uniform(0.5, 2.0)
        if k % 4 == 3:
            pts[:, 0] = -pts[:, 0]  # a mirrored face
        lmk = (pts + face.mean(0) + rng.normal(0, 1.5, (5, 2))).astype(np.float32)
        size = (112, 224, 128)[k % 3]
        ratio = size / 112.0 if size % 112 == 0 else size / 128.0
        dst = dst0 * ratio
        dst[:, 0] += 0 if size % 112 == 0 else 8.0 * ratio
        cases.append((lmk, size, dst))
    wants = skimage_fits([c[0] for c in cases], [c[2] for c in cases], tmp_path)
    for k, ((lmk, size, _), want) in enumerate(zip(cases, wants)):
        got = ctx.image.arcface_matrix(lmk, size)
        assert got.tobytes() == want.tobytes(), (k, size, got, want)
        if k % 10 == 0:
            crop = ctx.image.align(img, lmk, size)
            same(crop, cv2.warpAffine(img, want, (size, size), borderValue=0.0), "norm_crop %d" % k)


def test_enhance_equals_the_cli(ctx, files, tmp_path):
    need_cli()
    for name in ("random1.png", "random2.png", "camera.png", "hd.jpg"):
        path, img = files[name]
        for opts, kw in (([], {}), (["--min-short-side", "300", "--clip", "3.5", "--tiles", "4x6"],
                                    dict(min_short_side=300, clip_limit=3.5, tiles=(4, 6))),
                         (["--clip", "0"], dict(clip_limit=0))):
            out = str(tmp_path / (name + ".npy"))
            doc = json.loads(run_cli("image", "enhance", path, "-o", out, "--json", *opts).stdout)
            want = np.load(out)
            e = ctx.image.enhance(path, **kw)
            same(e.image, want, (name, opts))
            assert e.scale == doc["scale"], (name, opts)
            same(ctx.image.enhance(img, **kw).image, want, (name, opts, "pixels"))


# ---- the operations without a verb: against the references -----------------------------------

def test_gray_equals_opencv(ctx, files):
    imgs = [ref for _, ref in files.values()]
    for img, g in zip(imgs, ctx.image.gray(imgs)):
        same(g, cv2.cvtColor(img, cv2.COLOR_BGR2GRAY), "gray")
    rgb = np.ascontiguousarray(imgs[0][..., ::-1])
    same(ctx.image.gray(rgb, order="rgb"), cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), "rgb")


def test_warp_equals_opencv(ctx, files):
    img = files["astronaut.jpg"][1]
    ang = 0.3
    M = np.array([[np.cos(ang) * 0.8, -np.sin(ang) * 0.8, 40.25],
                  [np.sin(ang) * 0.8, np.cos(ang) * 0.8, -17.5]])
    for size in ((112, 112), (300, 200)):
        same(ctx.image.warp_affine(img, M, size), cv2.warpAffine(img, M, size), size)
    two = ctx.image.warp_affine([img, files["coffee.png"][1]], [M, M * 0.5], (64, 64))
    same(two[1], cv2.warpAffine(files["coffee.png"][1], M * 0.5, (64, 64)), "per image")


def _scrfd_reference():
    path = os.path.join(SOURCE, "tests", "image", "make_image_refs.py")
    spec = importlib.util.spec_from_file_location("make_image_refs", path)
    mod = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(mod)
    except SystemExit:
        pytest.skip("the image references need OpenCV, scikit-image and Pillow")
    return mod.scrfd_post, mod.scrfd_prepare


def _net_outputs(rng, frac):
    scores, boxes, kps = [], [], []
    for stride in (8, 16, 32):
        k = (640 // stride) ** 2 * 2
        s = rng.random((k, 1), dtype=np.float32) * 0.5
        hot = rng.random(k) < frac
        s[hot, 0] = (0.5 + 0.5 * rng.random(int(hot.sum()))).astype(np.float32)
        scores.append(s)
        boxes.append((rng.random((k, 4), dtype=np.float32) * 6 + 0.5).astype(np.float32))
        kps.append((rng.standard_normal((k, 10)) * 2).astype(np.float32))
    return scores + boxes + kps


def test_scrfd_output_equals_insightface(ctx):
    post, prepare = _scrfd_reference()
    rng = np.random.default_rng(3)
    cases = [((1080, 1920), 0.01, 0), ((512, 512), 0.003, 0), ((2160, 3840), 0.02, 3),
             ((480, 640), 0.0, 0)]
    nets, scales, refs = [], [], []
    for shape, frac, max_num in cases:
        outs = _net_outputs(rng, frac)
        _, ds = prepare(np.zeros(shape + (3,), np.uint8))
        det, kpss = post(outs, ds, shape, max_num=max_num)
        f = ctx.image.scrfd_output(outs, ds, max_faces=max_num, image_size=(shape[1], shape[0]))
        same(f.det, det.astype(np.float32), (shape, "det"))
        same(f.kpss, kpss.astype(np.float32), (shape, "kpss"))
        nets.append(outs)
        scales.append(ds)
        refs.append((det, kpss))
    # several images: a list of output lists, and a batched model's (N, K·A, c) arrays
    sizes = [(s[1], s[0]) for s, _, _ in cases]
    listed = ctx.image.scrfd_output(nets[:2] + nets[3:], scales[:2] + scales[3:],
                                    image_size=sizes[:2] + sizes[3:])
    batched = ctx.image.scrfd_output([np.stack([n[j] for n in nets]) for j in range(9)], scales,
                                     image_size=sizes)
    for k, (det, kpss) in enumerate(refs):
        if cases[k][2]:
            continue
        same(batched[k].det, det.astype(np.float32), k)
        same(batched[k].kpss, kpss.astype(np.float32), k)
    same(listed[2].det, refs[3][0].astype(np.float32), "listed")
    # a batched model's N is its arrays', not the count of det_scales: too few once dropped
    # the later images, too many raised IndexError
    two = [np.stack([n[j] for n in nets[:2]]) for j in range(9)]
    for ds in ([1.0], [1.0, 1.0, 1.0]):
        with pytest.raises(accel.InputError, match="det_scale: %d values for 2 images" % len(ds)):
            ctx.image.scrfd_output(two, ds)
    with pytest.raises(accel.InputError, match="leading dimensions"):
        ctx.image.scrfd_output(two[:8] + [two[8][:1]], scales[:2])
    # a 0-d array is one number, as a float is
    f0 = ctx.image.scrfd_output(nets[0], np.array(scales[0]))
    same(f0.det, refs[0][0].astype(np.float32), "0-d det_scale")
    # a model without key points
    f = ctx.image.scrfd_output(nets[0][:6], scales[0])
    assert f.kpss is None
    same(f.det, refs[0][0].astype(np.float32), "no kps")


# ---- batches, inputs, errors -------------------------------------------------------------------

def test_batches_of_mixed_sizes_equal_one_at_a_time(ctx, files):
    imgs = [ref for _, ref in files.values()]
    for op, kw in (("gray", {}), ("quality", {}), ("enhance", {})):
        fn = getattr(ctx.image, op)
        batch = fn(imgs, **kw)
        assert isinstance(batch, list) and len(batch) == len(imgs)
        for img, b in zip(imgs, batch):
            one = fn(img, **kw)
            if op == "enhance":
                same(b.image, one.image, op)
                assert b.scale == one.scale
            elif op == "quality":
                assert b == one
            else:
                same(b, one, op)
    r = ctx.image.resize(tuple(imgs), [(10 + i, 20 + i) for i in range(len(imgs))])
    assert [x.shape[:2] for x in r] == [(20 + i, 10 + i) for i in range(len(imgs))]
    # paths, bytes and arrays in one list
    path, img = files["coffee.png"]
    with open(path, "rb") as f:
        data = f.read()
    g = ctx.image.gray([path, data, img])
    same(g[0], g[2], "path")
    same(g[1], g[2], "bytes")


def test_outputs_own_accels_memory(ctx, files, where):
    def owner(a):  # numpy.asarray(buffer) views it through a memoryview of the Buffer
        return getattr(a.base, "obj", a.base)

    g = ctx.image.gray(files["astronaut.jpg"][1])
    assert isinstance(owner(g), accel.Buffer) and g.flags.writeable and g.flags.c_contiguous
    d = ctx.image.decode(files["astronaut.jpg"][0])
    assert isinstance(owner(d), accel.Buffer)
    b = ctx.image.blob(files["astronaut.jpg"][1], "scrfd")
    assert isinstance(owner(b), accel.Buffer) and b.dtype == np.float32
    assert ctx.last_record is not None and ctx.last_record.device_used >= 0
    if where not in ("auto", "cpu"):  # ran where it was asked to
        assert ctx.last_record.device.kind == where, ctx.last_record
    e = ctx.image.enhance(files["random1.png"][1])
    assert isinstance(owner(e.image), accel.Buffer)
    f = ctx.image.scrfd_output(_net_outputs(np.random.default_rng(1), 0.01), 1.0)
    assert isinstance(owner(f.det), accel.Buffer) and f.det.shape[1] == 5


def test_inputs_in_place_copied_and_from_torch(ctx, files):
    img = files["hd.jpg"][1]
    crop = img[100:700, 300:1500]  # rows further apart than a row: read in place
    assert not crop.flags.c_contiguous
    same(ctx.image.gray(crop), cv2.cvtColor(np.ascontiguousarray(crop), cv2.COLOR_BGR2GRAY), "crop")
    same(ctx.image.resize(crop, (320, 160)), cv2.resize(np.ascontiguousarray(crop), (320, 160)),
         "crop resize")
    every_other = img[::2, ::3]  # strided: gathered once
    same(ctx.image.gray(every_other),
         cv2.cvtColor(np.ascontiguousarray(every_other), cv2.COLOR_BGR2GRAY), "strided")
    rgb_view = img[..., ::-1]  # negative channel stride
    same(ctx.image.gray(rgb_view, order="rgb"), cv2.cvtColor(img, cv2.COLOR_BGR2GRAY), "view")
    gray2d = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    assert ctx.image.resize(gray2d, (50, 40)).shape == (40, 50)
    assert ctx.image.resize(gray2d[..., None], (50, 40)).shape == (40, 50, 1)
    torch = pytest.importorskip("torch")
    t = torch.from_numpy(files["astronaut.jpg"][1].copy())
    same(ctx.image.gray(t), ctx.image.gray(files["astronaut.jpg"][1]), "torch")
    assert ctx.image.quality(t) == ctx.image.quality(files["astronaut.jpg"][1])


def test_a_batch_keeps_what_succeeded(ctx, files, tmp_path):
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    good = files["coffee.png"][0]
    inputs = [good, str(bad), np.zeros((4, 4), np.float32), files["astronaut.jpg"][1],
              str(tmp_path / "missing.png")]
    with pytest.raises(accel.BatchError) as ei:
        ctx.image.quality(inputs)
    e = ei.value
    assert e.failed == [1, 2, 4] and "3 of 5 images failed" in str(e)
    assert isinstance(e.errors[1], accel.FormatError) and "bad.jpg" in e.errors[1].message
    assert isinstance(e.errors[2], accel.InputError) and "images[2]" in e.errors[2].message
    assert isinstance(e.errors[4], accel.NotFoundError) and "missing.png" in e.errors[4].message
    # encoded bytes are named by their own place in the list
    with pytest.raises(accel.BatchError) as ei:
        ctx.image.gray([files["coffee.png"][1], b"\x89PNG\r\n\x1a\n broken"])
    assert "images[1]" in ei.value.errors[1].message, ei.value.errors[1].message
    assert e.results[0] == ctx.image.quality(good) and e.results[3] is not None
    assert e.results[1] is None and e.status == "ERR_FORMAT"
    # stacked results keep every row in place, the failed ones NaN
    with pytest.raises(accel.BatchError) as ei:
        ctx.image.blob(inputs, "scrfd")
    blob = ei.value.results
    assert blob.shape == (5, 3, 640, 640) and np.isnan(blob[1]).all() and np.isnan(blob[4]).all()
    same(blob[0], ctx.image.blob(good, "scrfd")[0], "row 0")
    # two failures of the library's, each with its own reason (not the first one's)
    thin, tall = np.full((1, 3000, 3), 99, np.uint8), np.full((3000, 1, 3), 99, np.uint8)
    with pytest.raises(accel.BatchError) as ei:
        ctx.image.scrfd_input([thin, tall, files["astronaut.jpg"][1]])
    e = ei.value
    assert e.failed == [0, 1], e.failed
    assert "3000×1" in e.errors[0].message and "1×3000" in e.errors[1].message, \
        (e.errors[0].message, e.errors[1].message)
    # faces: collinear landmarks fail alone
    img = files["astronaut.jpg"][1]
    with pytest.raises(accel.BatchError) as ei:
        ctx.image.align(img, [LANDMARKS, [0, 0, 1, 1, 2, 2, 3, 3, 4, 4], LANDMARKS], blob=True)
    e = ei.value
    assert e.failed == [1] and "collinear" in e.errors[1].message
    same(e.results.crops[0], ctx.image.align(img, LANDMARKS), "face 0")
    assert not e.results.crops[1].any() and np.isnan(e.results.blob[1]).all()


def test_bad_inputs_raise_clear_errors(ctx, files, tmp_path):
    img = files["astronaut.jpg"][1]
    cases = [
        (np.zeros((8, 8, 3), np.float32), accel.InputError, "dtype float32"),
        (np.zeros((8,), np.uint8), accel.InputError, "dimensions"),
        (np.zeros((2, 8, 8, 3), np.uint8), accel.InputError, "dimensions"),
        (np.zeros((8, 8, 2), np.uint8), accel.InputError, "2 channels"),
        (np.zeros((0, 8, 3), np.uint8), accel.InputError, "empty image"),
        ([], accel.InputError, "empty list"),
        ({"not": "an image"}, accel.InputTypeError, "image: expected an array, got dict"),
        (str(tmp_path / "missing.jpg"), accel.NotFoundError, "missing.jpg"),
        (b"GIF89a...", accel.FormatError, "not a JPEG, PNG or WebP"),
        (b"", accel.FormatError, "empty"),
    ]
    for x, exc, text in cases:
        for op in ("gray", "quality", "enhance"):
            with pytest.raises(exc) as ei:
                getattr(ctx.image, op)(x)
            assert text in str(ei.value), (op, str(ei.value))
    with pytest.raises(accel.InputError, match="one-channel"):
        ctx.image.blob(np.zeros((8, 8), np.uint8), "arcface")
    with pytest.raises(accel.InputError, match="collinear"):
        ctx.image.align(img, [0, 0, 1, 1, 2, 2, 3, 3, 4, 4])
    with pytest.raises(accel.InputError, match="collinear"):
        ctx.image.arcface_matrix([0, 0, 1, 1, 2, 2, 3, 3, 4, 4])
    with pytest.raises(accel.InputError) as ei:
        ctx.image.arcface_matrix(LANDMARKS, 100)
    assert ei.value.message == "size: 100 (allowed: a multiple of 112 or of 128)"
    with pytest.raises(accel.InputError, match="outside"):
        ctx.image.align(img, [x + 5000 for x in LANDMARKS])
    with pytest.raises(accel.InputError, match="expected 10"):
        ctx.image.align(img, LANDMARKS[:8])
    with pytest.raises(accel.InputError, match="interp"):
        ctx.image.resize(img, (10, 10), interp="cubic")
    with pytest.raises(accel.InputError, match="size"):
        ctx.image.resize(img, (0, 10))
    with pytest.raises(accel.InputError, match="model"):
        ctx.image.blob(img, "yolo")
    with pytest.raises(accel.InputError, match="order"):
        ctx.image.gray(img, order="bgra")
    with pytest.raises(accel.InputError, match="unknown quality parameter"):
        ctx.image.quality(img, blurry=1)
    with pytest.raises(accel.InputError, match="weights"):
        ctx.image.quality(img, w_blur=0, w_sharpness=0, w_contrast=0, w_brightness=0)
    with pytest.raises(accel.InputError, match="outputs"):
        ctx.image.scrfd_output([np.zeros((10, 1), np.float32)] * 9, 1.0)
    for sd in (3, 2.0, "2"):  # 2.0 once reached the extension and raised a plain TypeError
        with pytest.raises(accel.InputError, match="scale_denom"):
            ctx.image.decode(files["hd.jpg"][0], scale_denom=sd)
    assert ctx.image.decode(files["hd.jpg"][0], scale_denom=np.int64(2)).shape == (540, 960, 3)


def test_size_and_tiles_refusals_name_what_is_wrong(ctx, files):
    img = files["astronaut.jpg"][1]
    # one image: the size's fault, not "for a list of 1 images a list of 1 sizes"
    # a wrong type is an InputTypeError (a TypeError too), a bad value an InputError
    for size, cls, msg in (((10.0, 5), accel.InputTypeError, "size width: expected a whole "
                            "number, got float 10.0 (allowed: a whole number 1..65536)"),
                           ((10, 5, 1), accel.InputError, "size: 3 numbers (allowed: (width, "
                            "height) or one side S for S × S)"),
                           ("10", accel.InputTypeError, "size: expected a size, got str '10' "
                            "(allowed: (width, height) or one side S for S × S)")):
        with pytest.raises(cls) as ei:
            ctx.image.resize(img, size)
        assert ei.value.message == msg
        assert isinstance(ei.value, TypeError) == (cls is accel.InputTypeError)
    with pytest.raises(accel.InputError, match="3 sizes for 2 images .allowed: .width, height., "
                       "S, or for a list of 2 images a list of 2 sizes"):
        ctx.image.resize([img, img], [(4, 4)] * 3)
    # tiles: CLAHE's 1..256 each, as --tiles says (0 was "allowed: a whole number 1..65536")
    allowed = "(allowed: (x, y) or one number, whole numbers 1..256 each, as CLAHE's tileGridSize)"
    for tiles, cls, msg in ((0, accel.InputError, "tiles: 0 "),
                            (300, accel.InputError, "tiles: 300 "),
                            ((8, 0), accel.InputError, "tiles: 0 "),
                            ((8, 257), accel.InputError, "tiles: 257 "),
                            ((8, 8, 8), accel.InputError, "tiles: 3 numbers "),
                            ((8.0, 8), accel.InputTypeError, "tiles: expected a whole number, "
                             "got float 8.0 "),
                            ("8x8", accel.InputTypeError, "tiles: expected a whole number or a "
                             "pair, got str '8x8' ")):
        with pytest.raises(cls) as ei:
            ctx.image.enhance(img, tiles=tiles)
        assert ei.value.message == msg + allowed, (tiles, ei.value.message)
    a = ctx.image.enhance(img, tiles=np.int64(4), min_short_side=0).image
    assert np.array_equal(a, ctx.image.enhance(img, tiles=(4, 4), min_short_side=0).image)


def test_none_is_refused_as_an_image(ctx, files):
    # None once passed through as the place of a file that failed to decode: the single calls
    # returned None, a blob of NaN, a zero crop
    img = files["astronaut.jpg"][1]
    lm = np.array(LANDMARKS, np.float32).reshape(5, 2)
    calls = {
        "quality": lambda x: ctx.image.quality(x),
        "gray": lambda x: ctx.image.gray(x),
        "resize": lambda x: ctx.image.resize(x, 32),
        "warp_affine": lambda x: ctx.image.warp_affine(x, [1, 0, 0, 0, 1, 0], 32),
        "enhance": lambda x: ctx.image.enhance(x),
        "blob": lambda x: ctx.image.blob(x),
        "blob scrfd": lambda x: ctx.image.blob(x, "scrfd"),
        "scrfd_input": lambda x: ctx.image.scrfd_input(x),
        "align": lambda x: ctx.image.align(x, lm if not isinstance(x, list) else [lm] * len(x)),
        "decode": lambda x: ctx.image.decode(x),
        "scrfd_prepare": lambda x: ctx.image.scrfd_prepare(x),
    }
    for op, call in calls.items():
        with pytest.raises(accel.InputTypeError) as ei:  # an InputError and a TypeError
            call(None)
        assert not isinstance(ei.value, accel.BatchError), op
        assert ei.value.message.startswith("image: expected an image"), (op, ei.value.message)
        assert ", got None (allowed: " in ei.value.message, (op, ei.value.message)
        # in a batch: that image fails alone, named by its index
        first = files["astronaut.jpg"][0] if op in ("decode", "scrfd_prepare") else img
        with pytest.raises(accel.BatchError) as ei:
            call([first, None])
        e = ei.value
        assert e.failed == [1], (op, e.failed)
        assert isinstance(e.errors[1], accel.InputTypeError), op
        assert e.errors[1].message.startswith("images[1]: expected an image"), (op, e.errors[1].message)
    # next to a file that fails to decode, each keeps its own error
    with pytest.raises(accel.BatchError) as ei:
        ctx.image.quality([files["coffee.png"][0], b"\x89PNG\r\n\x1a\n broken", None, img])
    e = ei.value
    assert e.failed == [1, 2] and isinstance(e.errors[1], accel.FormatError)
    assert e.errors[2].message.startswith("images[2]: expected an image"), e.errors[2].message
    assert e.results[0] == ctx.image.quality(files["coffee.png"][0])
    assert e.results[3] == ctx.image.quality(img)


def test_the_gil_is_released_during_image_calls(files):
    # another thread keeps running Python while one thread is inside libaccel
    big = [cv2.resize(files["hd.jpg"][1], (3840, 2160))] * 4
    ticks, stop = [], threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    with accel.Context(discovery=False, num_threads=1) as c:
        # warm up, and make the call long enough to tell on any machine (at least ~0.2 s)
        w0 = time.perf_counter()
        c.image.enhance(big, min_short_side=0)
        took = time.perf_counter() - w0
        if took < 0.2:
            big = big * (int(0.2 / max(took, 1e-3)) + 1)
        t = threading.Thread(target=ticker)
        t.start()
        time.sleep(0.02)
        t0 = time.perf_counter()
        c.image.enhance(big, min_short_side=0)
        t1 = time.perf_counter()
        stop.set()
        t.join()
    during = [x for x in ticks if t0 < x < t1]
    assert t1 - t0 > 0.05, "the call is too short to tell (%.3f s)" % (t1 - t0)
    assert len(during) >= 10, "%d ticks in a %.3f s call: the GIL was held" % (len(during), t1 - t0)


def test_device_keyword_and_closed_context(files):
    img = files["coffee.png"][1]
    with accel.Context(discovery=False) as c:
        want = c.image.gray(img)
        same(c.image.gray(img, device="cpu"), want, "device=cpu")
    with pytest.raises(accel.InputError, match="closed"):
        c.image.gray(img)


def test_words_are_compared_exactly_as_the_cli_compares_them(ctx, files, tmp_path):
    # interp= said "interp: 'AREA' (allowed: 'linear', 'area')" where the CLI's --interp, --model,
    # --op and --preset refuse a word in another case with "did you mean 'area'? allowed: linear,
    # area", and order= took any case; every word is now compared exactly (only a device's kind
    # is read in any case, by the CLI's own reader) and refused in the CLI's words
    path, img = files["astronaut.jpg"]
    for opt, bad, near, allowed, call in (
            ("--interp", "AREA", "area", "linear, area",
             lambda v: ctx.image.resize(img, 4, interp=v)),
            ("--interp", "lin", "linear", "linear, area",
             lambda v: ctx.image.resize(img, 4, interp=v)),
            ("--model", "ArcFace", "arcface", "scrfd, arcface", lambda v: ctx.image.blob(img, v))):
        verb = "resize" if opt == "--interp" else "blob"
        args = ["--size", "4x4"] if verb == "resize" else []
        p = cli("image", verb, path, *args, opt, bad, "-o", str(tmp_path / "o.npy"))
        assert p.returncode == 2, p.stderr
        theirs = p.stderr.strip().split("%s %s: " % (opt, bad), 1)[1]
        assert theirs == "did you mean '%s'? allowed: %s" % (near, allowed), p.stderr
        with pytest.raises(accel.InputError) as e:
            call(bad)
        assert not isinstance(e.value, TypeError)
        assert e.value.message.startswith("%s '%s': %s" % (opt[2:], bad, theirs)), e.value.message
    with pytest.raises(accel.InputError) as e:
        ctx.image.resize(img, 4, interp="cubic")
    assert e.value.message == "interp 'cubic': allowed: linear, area"
    with pytest.raises(accel.InputError) as e:
        ctx.image.gray(img, order="RGB")
    assert e.value.message == "order 'RGB': did you mean 'rgb'? allowed: bgr, rgb"
    # the words as written work, and a device's kind is read in any case, as --device reads it
    assert ctx.image.resize(img, 4, interp="area").shape == (4, 4, 3)
    assert np.array_equal(ctx.image.gray(img, order="rgb"), cv2.cvtColor(img, cv2.COLOR_RGB2GRAY))
    assert ctx.image.gray(img, device="CPU").shape == img.shape[:2]
