"""Build of the accel Python package: the accel._accel extension with libaccel inside.

libaccel is built by the project's own CMake build (the static archive target accel_static,
whose objects are position-independent), not compiled here from a second list of sources: the
CMake build also generates the kernel sources embedded as text, the CUDA fatbin (when nvcc is
present), the HIP code objects (when hipcc is) and the build information the doctor shows, and
it picks the optional audio decoders. The archive is linked into the extension, so the
installed package needs no libaccel.so; its symbols are kept out of the extension's dynamic
symbol table (--exclude-libs), so another copy of libaccel in the same process cannot clash.

Environment:
  ACCEL_SOURCE_DIR   the accel source tree (default: the directory above this file)
  ACCEL_BUILD_DIR    an existing CMake build of it to take libaccel.a from, after bringing the
                     archive up to date (`make python` uses the project's build/); without it,
                     a private build is configured under the setuptools build directory
  ACCEL_STATIC_LIB   a libaccel.a to link as it is (the CMake build of the package's tests
                     passes its own; accel-static-libs.txt beside it lists the libraries
                     it needs)
  ACCEL_BUILD_JOBS   parallel jobs for that build (default: the number of CPUs)
  ACCEL_CMAKE_ARGS   extra arguments for its configuration, e.g. "-DACCEL_CUDA_KERNELS=OFF"
"""
import os
import re
import shlex
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))
# setuptools wants paths relative to the directory it runs in: "." here, "python" when the
# setup.py at the repository root runs this file.
REL = os.path.relpath(HERE)


def _source_root():
    root = os.environ.get("ACCEL_SOURCE_DIR") or os.path.dirname(HERE)
    root = os.path.abspath(root)
    if not (os.path.isfile(os.path.join(root, "include", "accel.h"))
            and os.path.isfile(os.path.join(root, "CMakeLists.txt"))):
        sys.exit("accel: the accel sources are not at %s (include/accel.h and CMakeLists.txt); "
                 "set ACCEL_SOURCE_DIR to the source tree" % root)
    return root


def _version(root):
    text = open(os.path.join(root, "include", "accel.h"), encoding="utf-8").read()
    parts = [re.search(r"#define ACCEL_VERSION_%s (\d+)" % k, text).group(1)
             for k in ("MAJOR", "MINOR", "PATCH")]
    return ".".join(parts)


def _run(cmd, **kw):
    print("accel: " + " ".join(shlex.quote(c) for c in cmd), flush=True)
    subprocess.check_call(cmd, **kw)


class BuildExt(build_ext):
    """Builds libaccel.a with CMake (or takes it from ACCEL_BUILD_DIR), then the extension."""

    def _libaccel(self, root):
        given = os.environ.get("ACCEL_STATIC_LIB")
        if given:
            lib = os.path.abspath(given)
            if not os.path.isfile(lib):
                sys.exit("accel: ACCEL_STATIC_LIB=%s does not exist" % given)
            return lib, self._static_libs(os.path.dirname(lib))
        cmake = shutil.which("cmake")
        if not cmake:
            sys.exit("accel: cmake is needed to build libaccel (Debian: apt-get install cmake)")
        jobs = os.environ.get("ACCEL_BUILD_JOBS") or str(os.cpu_count() or 2)
        bdir = os.environ.get("ACCEL_BUILD_DIR")
        if bdir:
            bdir = os.path.abspath(bdir)
            if not os.path.isfile(os.path.join(bdir, "CMakeCache.txt")):
                sys.exit("accel: ACCEL_BUILD_DIR=%s is not a configured CMake build of accel" % bdir)
        else:
            bdir = os.path.join(os.path.abspath(self.build_temp), "libaccel")
            args = [cmake, "-S", root, "-B", bdir, "-DCMAKE_BUILD_TYPE=Release",
                    "-DACCEL_BUILD_TESTS=OFF", "-DACCEL_BUILD_CLI=OFF"]
            args += shlex.split(os.environ.get("ACCEL_CMAKE_ARGS", ""))
            _run(args)
        _run([cmake, "--build", bdir, "--target", "accel_static", "-j", jobs])
        lib = os.path.join(bdir, "libaccel.a")
        if not os.path.isfile(lib):
            sys.exit("accel: the CMake build in %s made no libaccel.a" % bdir)
        return lib, self._static_libs(bdir)

    @staticmethod
    def _static_libs(bdir):
        """The libraries libaccel.a needs, from the list the CMake build writes beside it
        (accel-static-libs.txt, one name per line: pthread, dl, m, and inih where the build
        found it)."""
        listed = os.path.join(bdir, "accel-static-libs.txt")
        if os.path.isfile(listed):
            names = [l.strip() for l in open(listed, encoding="utf-8")]
            return [n[2:] if n.startswith("-l") else n for n in names if n]
        return ["pthread", "dl", "m"]

    def _static_if_possible(self, name):
        """-l:libNAME.a when the compiler finds a static libNAME (so the package does not need
        the shared one at run time), else -lNAME."""
        cc = self.compiler.compiler_so[0] if getattr(self.compiler, "compiler_so", None) else "cc"
        try:
            path = subprocess.run([cc, "-print-file-name=lib%s.a" % name], capture_output=True,
                                  text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return "-l" + name
        return "-l:lib%s.a" % name if os.path.isabs(path) and os.path.isfile(path) else "-l" + name

    def _cli_verbs(self, root):
        """The binary's verb list (what CMake generates from tools/accel/cmd_*.c), for the
        read-only verbs compiled in here: `python -m accel` names the others as the binary's."""
        gen = os.path.join(os.path.abspath(self.build_temp), "generated")
        os.makedirs(gen, exist_ok=True)
        names = sorted(f[4:-2] for f in os.listdir(os.path.join(root, "tools", "accel"))
                       if f.startswith("cmd_") and f.endswith(".c"))
        text = "/* generated from tools/accel/cmd_*.c */\n" + "".join(
            "ACCEL_VERB(%s)\n" % n for n in names)
        path = os.path.join(gen, "cli_verbs.h")
        if not os.path.isfile(path) or open(path, encoding="utf-8").read() != text:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
        return gen

    def build_extension(self, ext):
        root = _source_root()
        lib, libs = self._libaccel(root)
        ext.include_dirs.append(os.path.join(root, "include"))
        # the CLI's own sources (CLI_SOURCES) and what they include
        ext.include_dirs += [os.path.join(root, "tools", "accel"), os.path.join(root, "src"),
                             self._cli_verbs(root)]
        ext.extra_objects.append(lib)
        system = {"pthread", "dl", "m", "rt"}
        link = ["-Wl,--exclude-libs,ALL"]
        link += [self._static_if_possible(l) for l in libs if l not in system]
        link += ["-l" + l for l in ("pthread", "dl", "m")]
        ext.extra_link_args.extend(link)
        ext.depends.append(lib)
        super().build_extension(ext)


ROOT = _source_root()
SOURCES = ["module.c", "errors.c", "args.c", "buffer.c", "input.c", "context.c", "audio.c", "image.c",
           "corpus.c", "cli.c"]
# `python -m accel`: the accel binary's read-only verbs, from its own sources (python/src/cli.c)
CLI_SOURCES = ["cli_common.c", "cli_device.c", "cli_opts.c", "cli_out.c", "cmd_config.c",
               "cmd_devices.c", "cmd_doctor.c", "cmd_select.c", "devices_query.c"]

setup(
    name="accel",
    version=_version(ROOT),
    description="Device discovery, a GPU-stack doctor, placement, memory plans, audio front "
                "ends and framework settings from one decision (libaccel for Python)",
    license="MIT",
    python_requires=">=3.11",
    packages=["accel"],
    package_dir={"": REL},
    package_data={"accel": ["py.typed", "*.pyi"]},
    # accel.dask (corpus runs on Dask workers) needs Dask's distributed; nothing else does
    extras_require={"dask": ["distributed"]},
    ext_modules=[Extension(
        "accel._accel",
        sources=[os.path.join(REL, "src", s) for s in SOURCES]
        + [os.path.relpath(os.path.join(ROOT, "tools", "accel", s)) for s in CLI_SOURCES],
        depends=[os.path.join(REL, "src", h) for h in ("pyaccel.h", "dlpack.h")],
        define_macros=[("Py_LIMITED_API", "0x030B0000"), ("_GNU_SOURCE", None)],
        extra_compile_args=["-std=c11", "-Wall", "-Wextra", "-Wno-unused-parameter",
                            "-Wno-missing-field-initializers", "-fvisibility=hidden"],
        py_limited_api=True,
    )],
    cmdclass={"build_ext": BuildExt},
    options={"build": {"build_base": os.path.join(REL, "build")},
             "bdist_wheel": {"py_limited_api": "cp311"}},
    zip_safe=False,
)
