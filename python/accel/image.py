"""Image operations on a context: ``ctx.image``.

What face pipelines do around their models, computed as the references compute them
(docs/image.md): decoding as ``cv2.imread``, gray and resizing with OpenCV 4.6's arithmetic,
``cv2.dnn.blobFromImage``, insightface's SCRFD pre- and post-processing and ArcFace alignment
(``face_align.norm_crop``), quality measures and enhancement. Each method is named after the
library function and the ``accel image`` verb, and its results equal what the CLI writes for
the same file and options.

Inputs. An image is an H×W×3 ``uint8`` array (B, G, R as OpenCV holds it; ``order="rgb"`` for
R, G, B as PIL and torchvision hold it), or H×W×4 (the fourth channel is read past) or H×W
(gray) where the operation takes them: anything with the buffer protocol or ``__dlpack__``
(numpy arrays, torch CPU tensors, accel's own results), read in place when its rows are packed
— a crop such as ``img[y0:y1, x0:x1]`` included — otherwise gathered with one copy. A ``str``
or ``os.PathLike`` is a file and ``bytes``/``bytearray``/``memoryview`` the bytes of one
(JPEG, PNG or WebP, decoded first as :meth:`Image.decode` does). A ``list`` or ``tuple`` of
these, of any sizes, is a batch: one library call for all of them.

Outputs are numpy arrays over memory accel filled (``accel.Buffer`` without numpy); nothing
is copied on the way out.

Errors. A bad single input raises the :class:`accel.Error` subclass of its status
(``InputError`` for a wrong dtype, rank, channel count, an empty image or ``None``,
``FormatError`` for a
corrupt file, ``NotFoundError`` for a missing one …). In a batch the other images are still
computed: the call raises :class:`accel.BatchError`, whose ``results`` hold every result in
input order (``None`` where an image failed; for the stacked results of :meth:`blob`,
:meth:`scrfd_input` and :meth:`align` the whole array, failed rows NaN or zero) and whose
``errors`` hold each image's exception (``None`` where it succeeded).

Every call releases the GIL, runs through accel's executor (device choice, fallback to the CPU,
``ACCEL_<OP>_GPU``, ``ACCEL_BATCH_SIZE``; ``ctx.last_record`` says what ran where) and takes
``device=`` to run elsewhere.
"""
from __future__ import annotations

import numbers
import os
from dataclasses import dataclass
from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Tuple, Union

from ._args import choice, number, type_error, whole
from ._arrays import to_array
from .errors import BatchError, Error, InputError

__all__ = ["Image", "Quality", "DecodeInfo", "Enhanced", "ScrfdInput", "ScrfdPrepared", "Faces",
           "Aligned", "MODELS"]

#: The blob models: ``scrfd`` (SCRFD's letterboxed input, ``accel image blob --model scrfd``)
#: and ``arcface`` (the ArcFace input of the image resized to size × size).
MODELS = ("scrfd", "arcface")

_ORDERS = {"bgr": 0, "rgb": 1}
_INTERP = {"linear": 0, "area": 1}  # accel image resize --interp linear|area

PathLike = Union[str, "os.PathLike[str]"]


def _input_error(msg: str) -> InputError:
    return InputError(msg, status="ERR_INVALID_ARG", code=1)


# What the decoding pass of an image call is given in the places of inputs that are arrays:
# the extension keeps an accel.Error as that place's result without reading it (the places
# stay, so a file's messages name the index the caller used), and the result is not looked at.
_NOT_A_FILE = _input_error("not a file (an array, read by the operation itself)")


def _is_path(x: Any) -> bool:
    return isinstance(x, str) or isinstance(x, os.PathLike)


def _is_encoded(x: Any) -> bool:
    return isinstance(x, (bytes, bytearray, memoryview))


def _is_batch(x: Any) -> bool:
    return isinstance(x, (list, tuple))


def _order(order: str) -> int:
    # compared exactly, as every word of the CLI and the library (interp, model, op, preset)
    return _ORDERS[choice("order", order, tuple(_ORDERS))]


def _int(name: str, v: Any, lo: int, hi: int) -> int:
    return whole(name, v, lo, hi)


def _num(name: str, v: Any) -> float:
    return number(name, v)


_SIZE = "(width, height) or one side S for S × S"


def _size(name: str, v: Any) -> Tuple[int, int]:
    """(width, height) from an int S (S × S) or a pair, as cv2.resize's dsize."""
    if isinstance(v, numbers.Integral) and not isinstance(v, bool):
        s = _int(name, v, 1, 65536)
        return s, s
    if isinstance(v, (tuple, list)) and len(v) == 2:
        return _int(name + " width", v[0], 1, 65536), _int(name + " height", v[1], 1, 65536)
    if isinstance(v, (tuple, list)):
        raise _input_error("%s: %d numbers (allowed: %s)" % (name, len(v), _SIZE))
    raise type_error(name, "a size", v, _SIZE)


def _is_size(v: Any) -> bool:
    return (isinstance(v, numbers.Integral) and not isinstance(v, bool)) or (
        isinstance(v, (tuple, list)) and len(v) == 2
        and all(isinstance(k, numbers.Integral) and not isinstance(k, bool) for k in v))


def _floats(x: Any, name: str) -> List[float]:
    """The numbers of an array or nested sequence, flattened (row-major)."""
    if hasattr(x, "tolist"):
        x = x.tolist()
    out: List[float] = []

    def walk(v: Any) -> None:
        if hasattr(v, "tolist") and not isinstance(v, numbers.Real):
            v = v.tolist()
        if isinstance(v, (list, tuple)):
            for e in v:
                walk(e)
        elif isinstance(v, numbers.Real) and not isinstance(v, bool):
            out.append(float(v))
        else:
            raise type_error(name, "numbers", v)

    walk(x)
    return out


def _leading(name: str, arrays: Sequence[Any]) -> int:
    """N, the leading dimension the arrays of a batched model's outputs share."""
    ns = []
    for k, a in enumerate(arrays):
        shape = getattr(a, "shape", None)
        if shape is None or len(shape) < 1:
            raise type_error("%s[%d]" % (name, k), "an array of shape (N, K·A, c) for a batched "
                             "model", a)
        ns.append(int(shape[0]))
    if len(set(ns)) != 1:
        raise _input_error("%s: leading dimensions %s differ (a batched model's outputs share "
                           "N, the number of images)" % (name, ns))
    return ns[0]


def _depth(x: Any) -> int:
    """Nesting depth of an array or nested sequence (ndim)."""
    if hasattr(x, "ndim") and isinstance(getattr(x, "ndim"), int):
        return x.ndim
    d = 0
    while isinstance(x, (list, tuple)) and x:
        d += 1
        x = x[0]
    return d


@dataclass(frozen=True)
class Quality:
    """The quality measures of one image (``accel_quality``, ``accel image quality``):
    blur_laplacian_var (variance of ``cv2.Laplacian(gray, CV_64F)``), brightness (mean gray),
    contrast (its population standard deviation), sharpness_tenengrad (mean of gx² + gy² from
    ``cv2.Sobel``, ksize 3) and overall (0 … 1, from the thresholds of docs/image.md)."""

    width: int
    height: int
    blur_laplacian_var: float
    brightness: float
    contrast: float
    sharpness_tenengrad: float
    overall: float

    def to_dict(self) -> Dict[str, Any]:
        """The fields as ``accel image quality --json`` names them (without ``file``)."""
        return {"width": self.width, "height": self.height,
                "blur_laplacian_var": self.blur_laplacian_var, "brightness": self.brightness,
                "contrast": self.contrast, "sharpness_tenengrad": self.sharpness_tenengrad,
                "overall": self.overall}


@dataclass(frozen=True)
class DecodeInfo:
    """What decoding found: the format ("jpeg", "png", "webp"), the size as stored and as
    returned, the DCT scale used (1, or 2, 4, 8), the EXIF orientation applied (1: none) and a
    decoder warning the image survived (``None`` when there was none)."""

    format: str
    width: int
    height: int
    stored_width: int
    stored_height: int
    scale_denom: int
    orientation: int
    message: Optional[str]


class Enhanced(NamedTuple):
    """An enhanced image and the scale applied to it (1.0 when it was large enough)."""

    image: Any
    scale: float


class ScrfdInput(NamedTuple):
    """SCRFD's model input: ``blob`` (N×3×H×W float32) and ``det_scale`` (a float for one
    image, a float64 array for a batch), the factor SCRFD divides boxes by."""

    blob: Any
    det_scale: Any


class ScrfdPrepared(NamedTuple):
    """What :meth:`Image.scrfd_prepare` returns: ``blob`` (N×3×H×W float32, SCRFD's input),
    ``det_scale`` (a float for one file, a float64 array for a batch), ``quality``
    (:class:`Quality`, or a list) and ``image`` (the decoded H×W×3 uint8 image, or a list),
    kept for what follows detection (alignment)."""

    blob: Any
    det_scale: Any
    quality: Any
    image: Any


class Faces(NamedTuple):
    """What ``SCRFD.detect()`` returns for one image: ``det`` (n×5 float32: x1, y1, x2, y2,
    score, by descending score) and ``kpss`` (n×5×2 float32 key points, or ``None`` for a model
    without them)."""

    det: Any
    kpss: Any


class Aligned(NamedTuple):
    """ArcFace crops (S×S×C uint8, or N×S×S×C) and their model input (N×3×S×S float32)."""

    crops: Any
    blob: Any


def _finish(op: str, what: str, results: List[Any], errors: List[Optional[Error]],
            single: bool, stacked: Any = None) -> Any:
    """The result of a call: raise the single input's error, or a BatchError when some images
    of a batch failed (their results kept), else the results."""
    if single:
        if errors[0] is not None:
            raise errors[0]
        return results[0] if stacked is None else stacked
    failed = [i for i, e in enumerate(errors) if e is not None]
    if failed:
        raise BatchError._of(op, what, stacked if stacked is not None else results, errors)
    return results if stacked is None else stacked


class Image:
    """The image calls of one :class:`accel.Context` (``ctx.image``)."""

    def __init__(self, ctx: Any) -> None:
        self._ctx = ctx

    # ---- inputs ----------------------------------------------------------------------------

    def _sources(self, x: Any) -> Tuple[List[Any], bool]:
        if _is_batch(x):
            if not x:
                raise _input_error("images: an empty list (give at least one image)")
            return list(x), False
        return [x], True

    def _decode_list(self, c: Any, srcs: List[Any], single: bool, order: int,
                     min_size: Tuple[int, int] = (0, 0), scale_denom: int = 0,
                     ignore_orientation: bool = False) -> Tuple[List[Any], List[Any]]:
        """Decodes paths and encoded bytes: ([array or Error], [info dict or None])."""
        items = [os.fsdecode(s) if _is_path(s) else s for s in srcs]
        # an accel.Error here is a place kept for an input that is not a file (see _images):
        # the extension returns it as that place's result
        pairs, rec = c.image_decode(items, "image" if single else "images", single, order,
                                    min_size[0], min_size[1], bool(ignore_orientation),
                                    scale_denom)
        if rec is not None:
            self._ctx._record(rec)
        return [p[0] if p else None for p in pairs], [p[1] if p else None for p in pairs]

    def _images(self, c: Any, x: Any, order: int) -> Tuple[List[Any], List[Optional[Error]], bool]:
        """The inputs of an image call: arrays as they are, files decoded first (one batch).
        Returns (what to give the extension — a file that failed as its accel.Error, which the
        extension keeps as that image's result —, the decode errors, single). None is left to
        the extension, which refuses it as any other input that is not an image."""
        srcs, single = self._sources(x)
        files = [i for i, s in enumerate(srcs) if _is_path(s) or _is_encoded(s)]
        errors: List[Optional[Error]] = [None] * len(srcs)
        if files:
            # the other places hold an Error, so that a file's messages name its own index
            decoded, _ = self._decode_list(c, [s if i in files else _NOT_A_FILE
                                               for i, s in enumerate(srcs)], single, order)
            for i in files:
                if isinstance(decoded[i], Error):
                    errors[i] = decoded[i]
                srcs[i] = decoded[i]
        return srcs, errors, single

    @staticmethod
    def _merge(results: List[Any], errors: List[Optional[Error]]) -> Tuple[List[Any], List[Optional[Error]]]:
        """Per-image results of the extension (a result or an Error) with the decode errors."""
        out, errs = [], []
        for r, e in zip(results, errors):
            if e is None and isinstance(r, Error):
                e = r
            errs.append(e)
            out.append(None if e is not None else r)
        return out, errs

    def _run(self, op: str, fn: Any, x: Any, order: str, make: Any, *args: Any) -> Any:
        c, code = fn[0], _order(order)
        srcs, derr, single = self._images(c, x, code)
        results, rec = getattr(c, fn[1])(srcs, "image" if single else "images", single, code, *args)
        if rec is not None:
            self._ctx._record(rec)
        res, errs = self._merge(results, derr)
        return _finish(op, "images", [None if r is None else make(r) for r in res], errs, single)

    # ---- decoding ----------------------------------------------------------------------------

    def decode(self, x: Any, *, order: str = "bgr", min_size: Optional[Any] = None,
               scale_denom: Optional[int] = None, ignore_orientation: bool = False,
               return_info: bool = False, device: Any = None) -> Any:
        """Decodes JPEG, PNG and WebP as ``cv2.imread(path, IMREAD_COLOR)`` does (the same
        pixels; EXIF orientation applied; gray, palette, 16-bit, alpha and CMYK images become
        3 channels as OpenCV makes them): an H×W×3 uint8 array, B, G, R (``order="rgb"``:
        R, G, B). Equal to ``accel image decode FILE -o OUT.npy``.

        ``x``: a path, the bytes of a file (``bytes``, ``bytearray``, ``memoryview`` or a 1-D
        uint8 array), or a list of them (decoded in parallel, one call). ``scale_denom`` 2, 4
        or 8 decodes JPEGs at that fraction (``IMREAD_REDUCED_COLOR_N``); ``min_size`` (w, h)
        picks the smallest DCT scale whose result is still at least that large (for a step
        that needs a smaller image anyway). ``ignore_orientation`` is
        ``IMREAD_IGNORE_ORIENTATION``. With ``return_info`` each result is
        ``(array, DecodeInfo)``. A missing file raises accel.NotFoundError, a corrupt,
        truncated or empty one accel.FormatError naming the file and the reason.
        """
        c = self._ctx._for(device)
        srcs, single = self._sources(x)
        ms = (0, 0) if min_size is None else _size("min_size", min_size)
        # whole numbers only: 2.0 == 2 would pass the membership test
        sd = 0 if scale_denom is None else whole("scale_denom", scale_denom,
                                                 allowed="1, 2, 4, 8, or None")
        if sd not in (0, 1, 2, 4, 8):
            raise _input_error("scale_denom: %r (allowed: 1, 2, 4, 8, or None)" % (scale_denom,))
        arrays, infos = self._decode_list(c, srcs, single, _order(order), ms, sd,
                                          ignore_orientation)
        errors = [a if isinstance(a, Error) else None for a in arrays]
        out = []
        for a, info in zip(arrays, infos):
            if isinstance(a, Error):
                out.append(None)
                continue
            arr = to_array(a)
            if return_info:
                h, w = a.shape[0], a.shape[1]
                arr = (arr, DecodeInfo(info["format"], w, h, info["stored_width"],
                                       info["stored_height"], info["scale_denom"],
                                       info["orientation"], info["message"]))
            out.append(arr)
        return _finish("image_decode", "files", out, errors, single)

    # ---- gray, resize, warp --------------------------------------------------------------------

    def gray(self, x: Any, *, order: str = "bgr", device: Any = None) -> Any:
        """``cv2.cvtColor(x, COLOR_BGR2GRAY)`` (``COLOR_RGB2GRAY`` with ``order="rgb"``): an
        H×W uint8 array per image, identical to OpenCV's. A one-channel image is copied."""
        c = self._ctx._for(device)
        return self._run("image_gray", (c, "image_gray"), x, order, to_array)

    def resize(self, x: Any, size: Any, *, interp: str = "linear", order: str = "bgr",
               device: Any = None) -> Any:
        """``cv2.resize(x, size, interpolation=INTER_LINEAR or INTER_AREA)`` with OpenCV 4.6's
        arithmetic (identical pixels), as ``accel image resize FILE --size WxH --interp``.
        ``size``: (width, height) as cv2's dsize, or S for S × S; for a batch one size for
        every image or a list with one size per image."""
        ip = _INTERP[choice("interp", interp, tuple(_INTERP))]
        c = self._ctx._for(device)
        sizes = self._sizes("size", size, x)
        return self._run("image_resize", (c, "image_resize"), x, order, to_array, sizes, ip)

    def _sizes(self, name: str, size: Any, x: Any) -> List[Tuple[int, int]]:
        n = len(x) if _is_batch(x) else 1
        if _is_size(size):
            return [_size(name, size)] * n
        if isinstance(size, (list, tuple)) and _is_batch(x) and len(size) == n:
            return [_size("%s[%d]" % (name, i), s) for i, s in enumerate(size)]
        if not _is_batch(x):  # one image: what is wrong with its one size, not a list's
            return [_size(name, size)]
        allowed = "(width, height), S, or for a list of %d images a list of %d sizes" % (n, n)
        if not isinstance(size, (list, tuple)):
            raise type_error(name, "a size", size, allowed)
        raise _input_error("%s: %d sizes for %d images (allowed: %s)"
                           % (name, len(size), n, allowed))

    def warp_affine(self, x: Any, M: Any, size: Any, *, order: str = "bgr",
                    device: Any = None) -> Any:
        """``cv2.warpAffine(x, M, size)`` (INTER_LINEAR, BORDER_CONSTANT 0) with OpenCV 4.6's
        fixed-point arithmetic (identical pixels). ``M``: the 2×3 matrix (source →
        destination); for a batch one matrix for every image or one per image. ``size``:
        (width, height), or one per image."""
        c = self._ctx._for(device)
        n = len(x) if _is_batch(x) else 1
        flat = _floats(M, "M")
        if len(flat) == 6:
            ms = [flat] * n
        elif _is_batch(x) and len(flat) == 6 * n:
            ms = [flat[k:k + 6] for k in range(0, 6 * n, 6)]
        else:
            raise _input_error("M: %d numbers (expected a 2×3 matrix%s)"
                               % (len(flat), ", or one per image" if n > 1 else ""))
        sizes = self._sizes("size", size, x)
        return self._run("image_warp", (c, "image_warp"), x, order, to_array, ms, sizes)

    # ---- blobs ---------------------------------------------------------------------------------

    def blob(self, x: Any, model: Optional[str] = "arcface", *, size: Any = None,
             mean: Any = None, scale: Optional[float] = None, swap_rb: Optional[bool] = None,
             order: str = "bgr", device: Any = None) -> Any:
        """The model input of the images, stacked in input order: N×3×S×S float32, R, G, B,
        equal to ``accel image blob FILE... --model MODEL [--size S]``.

        ``model="scrfd"``: SCRFD's input — each image keeps its aspect ratio into S × S (640),
        pasted at the top-left of a zero canvas, then ``blobFromImage(1/128, mean 127.5,
        swapRB)`` (:meth:`scrfd_input` also returns det_scale). ``model="arcface"``: the image
        resized (INTER_LINEAR) to S × S (112), ``blobFromImage(1/127.5, mean 127.5, swapRB)``.
        ``model=None``: ``cv2.dnn.blobFromImages(images, scale, size, mean, swap_rb)`` as
        OpenCV defines them (``size`` (w, h) required; mean (0, 0, 0), scale 1, swap_rb False
        unless given). One image gives a 1×3×S×S blob, as blobFromImage does.
        """
        c = self._ctx._for(device)
        code = _order(order)
        if model is not None:
            choice("model", model, MODELS, ", or None for blobFromImage's own parameters")
        if model is not None and (mean is not None or scale is not None or swap_rb is not None):
            raise _input_error("mean, scale and swap_rb are the model's for model=%r (pass "
                               "model=None to choose them)" % model)
        if model is None and size is None:
            raise _input_error("size: required with model=None (the blob's (width, height))")
        w, h = _size("size", size if size is not None else (640 if model == "scrfd" else 112))
        if model == "scrfd":
            try:
                return self._scrfd(c, x, code, w, h).blob
            except BatchError as e:
                e.results = e.results.blob  # the blob, as the other models give it
                raise
        if model == "arcface":
            m, sc, swap = (127.5, 127.5, 127.5), 1.0 / 127.5, code == 0  # an RGB blob
        else:
            mm = [0.0, 0.0, 0.0] if mean is None else _floats(mean, "mean")
            if len(mm) == 1:
                mm = mm * 3
            if len(mm) not in (3, 4):
                raise _input_error("mean: %r (allowed: one number or one per channel)" % (mean,))
            m = tuple(mm[:3])
            sc = 1.0 if scale is None else _num("scale", scale)
            swap = bool(swap_rb)
        srcs, derr, single = self._images(c, x, code)
        b, _ds, errs, rec = c.image_blob(srcs, "image" if single else "images", single, code,
                                         w, h, m, sc, swap, False)
        if rec is not None:
            self._ctx._record(rec)
        _, errors = self._merge(errs, derr)
        blob = to_array(b)
        return _finish("image_blob", "images", [], errors, single, stacked=blob)

    def scrfd_input(self, x: Any, size: Any = 640, *, order: str = "bgr",
                    device: Any = None) -> ScrfdInput:
        """What insightface's ``SCRFD.detect()`` does before the model: each image keeps its
        aspect ratio into ``size`` (640 × 640; (width, height) for another input size),
        resized (INTER_LINEAR), pasted at the top-left of a zero canvas, then
        ``blobFromImage(1/128, mean 127.5, swapRB=True)``. Returns ``(blob, det_scale)``:
        N×3×H×W float32 (R, G, B whatever ``order``) and the factor boxes are divided by (a
        float for one image, a float64 array for a list), as ``accel image blob --model scrfd
        --json`` reports it."""
        c = self._ctx._for(device)
        w, h = _size("size", size)
        return self._scrfd(c, x, _order(order), w, h)

    def _scrfd(self, c: Any, x: Any, code: int, w: int, h: int) -> ScrfdInput:
        srcs, derr, single = self._images(c, x, code)
        b, ds, errs, rec = c.image_blob(srcs, "image" if single else "images", single, code,
                                        w, h, (0.0, 0.0, 0.0), 1.0, False, True)
        if rec is not None:
            self._ctx._record(rec)
        _, errors = self._merge(errs, derr)
        det = to_array(ds)
        out = ScrfdInput(to_array(b), float(memoryview(ds)[0]) if single else det)
        return _finish("scrfd_input", "images", [], errors, single, stacked=out)

    def scrfd_prepare(self, x: Any, size: Any = 640, *, order: str = "bgr", device: Any = None,
                      **params: float) -> ScrfdPrepared:
        """What a face pipeline does first with each photograph, in one library call
        (``accel_scrfd_prepare``): decode it (as :meth:`decode`), make SCRFD's input (as
        :meth:`scrfd_input`, into ``size``) and measure its quality (as :meth:`quality`,
        ``params`` as there) — the same results, bit for bit. On the CPU a JPEG is decoded by
        rows while another thread computes the blob and the quality of the rows already
        decoded, so one photograph costs little more than its decoding.

        ``x``: a path or the bytes of a JPEG, PNG or WebP file, or a list of them. Returns
        :class:`ScrfdPrepared` ``(blob, det_scale, quality, image)``; in a batch, a file that
        fails raises :class:`accel.BatchError` with the others' results (its blob row NaN)."""
        c = self._ctx._for(device)
        w, h = _size("size", size)
        srcs, single = self._sources(x)
        for i, s in enumerate(srcs):
            one_d = hasattr(s, "__array_interface__") and getattr(s, "ndim", 0) == 1
            # None fails alone, as in the other calls (the extension names it)
            if not (s is None or _is_path(s) or _is_encoded(s) or one_d):
                raise type_error("image" if single else "images[%d]" % i, "an image file", s,
                                 "a path or the bytes of an image file; for decoded arrays use "
                                 "scrfd_input and quality")
        items = [os.fsdecode(s) if _is_path(s) else s for s in srcs]
        b, ds, res, rec = c.scrfd_prepare(items, "image" if single else "images", single,
                                          _order(order), w, h, params)
        if rec is not None:
            self._ctx._record(rec)
        errors = [r if isinstance(r, Error) else None for r in res]
        images = [None if e is not None else to_array(r[0]) for r, e in zip(res, errors)]
        quality = [None if e is not None else Quality(*r[1]) for r, e in zip(res, errors)]
        if single:
            out = ScrfdPrepared(to_array(b), float(memoryview(ds)[0]), quality[0], images[0])
        else:
            out = ScrfdPrepared(to_array(b), to_array(ds), quality, images)
        return _finish("scrfd_prepare", "files", [], errors, single, stacked=out)

    def scrfd_output(self, outputs: Sequence[Any], det_scale: Any, *, input_size: Any = 640,
                     image_size: Any = None, score_threshold: float = 0.5,
                     nms_threshold: float = 0.4, max_faces: int = 0,
                     strides: Sequence[int] = (8, 16, 32), anchors: int = 2,
                     device: Any = None) -> Any:
        """What ``SCRFD.detect()`` does after the model: boxes and five key points decoded on
        the anchor centres of every stride, scores ≥ ``score_threshold``, NMS at
        ``nms_threshold``, divided by ``det_scale`` — the same faces, in the same order, as
        insightface's code. Returns :class:`Faces` ``(det, kpss)`` as ``detect()`` does.

        ``outputs``: the model's outputs as ``session.run`` returns them — scores of each
        stride, then boxes, then key points (6 or 9 arrays for 3 strides), each (K·A, c) for
        one image or (N, K·A, c) for a batched model (then ``det_scale`` is a list of N — another
        count raises accel.InputError — and the result a list of N Faces); a list of such lists is several images run one by
        one. ``image_size`` (width, height) of the original image (one per image) is needed
        only with ``max_faces`` > 0 (detect()'s max_num, metric 'default')."""
        c = self._ctx._for(device)
        iw, ih = _size("input_size", input_size)
        if not isinstance(strides, (list, tuple)):
            raise type_error("strides", "a list of whole numbers", strides)
        st = tuple(_int("strides[%d]" % i, s, 1, 4096) for i, s in enumerate(strides))
        params = (iw, ih, st, _int("anchors", anchors, 1, 64),
                  _num("score_threshold", score_threshold),
                  _num("nms_threshold", nms_threshold), _int("max_faces", max_faces, 0, 1 << 30))
        if not isinstance(outputs, (list, tuple)):
            raise type_error("outputs", "a list of arrays", outputs,
                             "the model's outputs, as session.run returns them")
        if not outputs:
            raise _input_error("outputs: an empty list (expected the model's outputs, a list of "
                               "arrays: session.run's result)")
        single = not isinstance(det_scale, (list, tuple)) and _depth(det_scale) == 0
        if single:
            per_image = [list(outputs)]
            scales = [_num("det_scale", det_scale)]
        else:
            scales = _floats(det_scale, "det_scale")
            if isinstance(outputs[0], (list, tuple)):
                per_image = [list(o) for o in outputs]
            else:  # a batched model: arrays with a leading dimension N, one det_scale each
                n = _leading("outputs", outputs)
                if len(scales) != n:
                    raise _input_error("det_scale: %d values for %d images" % (len(scales), n))
                per_image = [[o[i] for o in outputs] for i in range(n)]
        sizes = None
        if image_size is not None:
            sizes = ([_size("image_size", image_size)] if single else
                     [_size("image_size[%d]" % i, s) for i, s in enumerate(image_size)])
            if len(sizes) != len(per_image):
                raise _input_error("image_size: %d sizes for %d images" % (len(sizes), len(per_image)))
        results, rec = c.scrfd_output(per_image, scales, sizes, params,
                                      "outputs" if single else "outputs", single)
        if rec is not None:
            self._ctx._record(rec)
        errors = [r if isinstance(r, Error) else None for r in results]
        faces = [None if e is not None else
                 Faces(to_array(r[0]), None if r[1] is None else to_array(r[1]))
                 for r, e in zip(results, errors)]
        return _finish("scrfd_output", "images", faces, errors, single)

    # ---- ArcFace alignment ---------------------------------------------------------------------

    def arcface_matrix(self, landmarks: Any, size: int = 112) -> Any:
        """insightface's ``face_align.estimate_norm``: the 2×3 similarity transform (image →
        crop, float64) from five landmarks to ArcFace's reference points for a size × size
        crop, fitted as skimage's SimilarityTransform.estimate does on insightface's float32
        landmarks: the same matrix to the last bit (the landmarks are taken as float32, as the
        detector gives them). Collinear, coincident or non-finite landmarks raise
        accel.InputError."""
        v = _floats(landmarks, "landmarks")
        if len(v) != 10:
            raise _input_error("landmarks: %d numbers (expected 10: x, y of the eyes, the nose "
                               "tip and the mouth corners)" % len(v))
        m = self._ctx._c.arcface_matrix(v, _int("size", size, 1, 4096))
        try:
            import numpy as np
            return np.array(m, dtype=np.float64).reshape(2, 3)
        except ImportError:  # pragma: no cover - numpy is optional
            return (m[:3], m[3:])

    def align(self, x: Any, landmarks: Any, size: int = 112, *, blob: bool = False,
              order: str = "bgr", device: Any = None) -> Any:
        """``face_align.norm_crop``: each face warped (OpenCV 4.6's bilinear fixed point,
        border 0) onto ArcFace's reference points, a size × size crop (112; a multiple of 112
        or 128), as ``accel image align FILE --landmarks …``.

        ``landmarks``: one face's five points ((5, 2) or ten numbers) → one crop (S×S×C); several
        faces of one image ((N, 5, 2)) → N×S×S×C; with a list of N images, one face per image.
        With ``blob`` True returns :class:`Aligned` ``(crops, blob)``, the blob being the ArcFace
        input (N×3×S×S float32, R, G, B). No faces ((0, 5, 2), what detect() gives for an image
        without one) give empty arrays. Landmarks that are collinear, coincident, not finite
        or centred outside the image fail that face (accel.InputError)."""
        c = self._ctx._for(device)
        code = _order(order)
        s = _int("size", size, 1, 4096)
        flat = _floats(landmarks, "landmarks")
        if not flat and not _is_batch(x) and _depth(landmarks) >= 2:
            return self._no_faces(s, blob)  # detect() found none: (0, 5, 2)
        if not flat or len(flat) % 10:
            raise _input_error("landmarks: %d numbers (expected 10 per face: x, y of the eyes, "
                               "the nose tip and the mouth corners)" % len(flat))
        faces = [flat[k:k + 10] for k in range(0, len(flat), 10)]
        # one face: ten numbers or (5, 2); several: (N, 10) or (N, 5, 2)
        depth = _depth(landmarks)
        one_face = not _is_batch(x) and len(faces) == 1 and (
            depth <= 1 or (depth == 2 and len(landmarks[0]) == 2))
        if _is_batch(x):
            if len(faces) != len(x):
                raise _input_error("landmarks: %d faces for %d images (one face per image)"
                                   % (len(faces), len(x)))
            index = list(range(len(faces)))
        else:
            index = [0] * len(faces)
        srcs, derr, single = self._images(c, x, code)
        crops, b, errs, rec = c.arcface_align(srcs, "image" if single else "images", single, code,
                                              index, faces, s, bool(blob))
        if rec is not None:
            self._ctx._record(rec)
        errors: List[Optional[Error]] = []
        for i, e in enumerate(errs):
            d = derr[index[i]]
            errors.append(d if d is not None else e)
        cr = to_array(crops)
        bl = None if b is None else to_array(b)
        if one_face:
            cr = cr[0]
        out = Aligned(cr, bl) if blob else cr
        return _finish("arcface_align", "faces", [], errors, one_face, stacked=out)

    @staticmethod
    def _no_faces(size: int, blob: bool) -> Any:
        try:
            import numpy as np
        except ImportError:  # pragma: no cover - numpy is optional
            raise _input_error("landmarks: no faces (an empty result needs numpy)") from None
        crops = np.zeros((0, size, size, 3), np.uint8)
        return Aligned(crops, np.zeros((0, 3, size, size), np.float32)) if blob else crops

    # ---- quality and enhancement ---------------------------------------------------------------

    def quality(self, x: Any, *, order: str = "bgr", device: Any = None,
                **params: float) -> Any:
        """The quality measures of each image (:class:`Quality`), in one pass over its gray
        version, equal to ``accel image quality FILE... --json``. ``params`` change the
        thresholds and weights of ``overall`` (docs/image.md): blur_good (100),
        sharpness_good (2000), contrast_good (50), brightness_low (80), brightness_high
        (180), w_blur (0.35), w_sharpness (0.25), w_contrast (0.2), w_brightness (0.2)."""
        c = self._ctx._for(device)
        return self._run("image_quality", (c, "image_quality"), x, order,
                         lambda t: Quality(*t), params)

    def enhance(self, x: Any, *, min_short_side: int = 640, clip_limit: float = 2.0,
                tiles: Any = (8, 8), order: str = "bgr", device: Any = None) -> Any:
        """What the crawler's ``enhance_image_for_face_detection`` does: an image whose short
        side is below ``min_short_side`` is upscaled (INTER_LINEAR) until it reaches it, then
        CLAHE (``cv2.createCLAHE(clip_limit, tiles)``) on the luma (YCrCb) — OpenCV 4.6's
        arithmetic. Returns :class:`Enhanced` ``(image, scale)``, as ``accel image enhance``
        writes and prints them. ``min_short_side`` 0 never upscales, ``clip_limit`` 0 skips
        CLAHE."""
        c = self._ctx._for(device)
        mss = _int("min_short_side", min_short_side, 0, 65536)
        clip = _num("clip_limit", clip_limit)
        if not 0 <= clip <= 1000:
            raise _input_error("clip_limit: %r (allowed: 0 … 1000)" % (clip_limit,))
        # CLAHE's tileGridSize: 1..256 each (the range --tiles names), not _size's 1..65536
        allowed = "(x, y) or one number, whole numbers 1..256 each, as CLAHE's tileGridSize"
        pair = (tiles, tiles) if isinstance(tiles, numbers.Integral) else tiles
        if not isinstance(pair, (list, tuple)):
            raise type_error("tiles", "a whole number or a pair", tiles, allowed)
        if len(pair) != 2:
            raise _input_error("tiles: %d numbers (allowed: %s)" % (len(pair), allowed))
        tx, ty = (whole("tiles", t, 1, 256, allowed) for t in pair)
        return self._run("image_enhance", (c, "image_enhance"), x, order,
                         lambda t: Enhanced(to_array(t[0]), t[1]), mss, clip, tx, ty)
