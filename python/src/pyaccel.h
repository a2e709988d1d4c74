/* pyaccel.h — what the files of the accel._accel extension share.
 *
 * The extension is a thin, exact layer over libaccel's public API (include/accel.h), written
 * against CPython's limited API (3.11: the buffer protocol is part of it), so one build serves
 * every later CPython. The Python modules of the package (the .py files beside it) give it its shape.
 *
 *   module.c   the module: functions that need no context, constants from accel.h's lists
 *   errors.c   a failed status → an accel.Error subclass carrying the status and the message
 *   args.c     what the methods share: reading arguments of each kind (paths, integers in a
 *              range, names from a list, numbers, dicts of numbers, arrays) and raising for a
 *              failed call
 *   buffer.c   accel._accel.Buffer: memory accel filled, exported through the buffer protocol
 *              and DLPack without copying (numpy.asarray and torch.from_dlpack take it as is)
 *   input.c    arrays in: the buffer protocol or DLPack, read in place when C-contiguous with
 *              a dtype the call takes, otherwise one copy (documented in docs/python.md)
 *   context.c  accel._accel.Context: an accel_ctx shared by threads; every call into libaccel
 *              runs with the GIL released under a read lock that close() takes for writing
 *   audio.c    accel._accel.AudioParams and the audio calls of the Context
 *   image.c    the image calls of the Context (batches of images of any sizes, per-image errors)
 *   corpus.c   corpus runs: manifests, shards, complete outputs, the per-item step
 *              (accel._accel.Corpus) and the JSON-lines run log (accel._accel.RunLog)
 */
#ifndef PYACCEL_H
#define PYACCEL_H

#define PY_SSIZE_T_CLEAN
#ifndef Py_LIMITED_API
#define Py_LIMITED_API 0x030B0000
#endif
#include <Python.h>

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "accel.h"
#include "dlpack.h"

#define PA_MAXDIM 8

/* ---- errors (errors.c) ---------------------------------------------------------------- */

/* A status that is not accel's: the Context was closed. Raised as InputError. */
#define PA_CLOSED ((accel_status)-1)

/* Raises the accel.Error subclass of `st` with `message` (accel_strerror(st) when empty);
 * returns NULL. */
PyObject *pa_raise(accel_status st, const char *message);
/* The same with extra attributes set on the exception (a dict, may be NULL). */
PyObject *pa_raise_extra(accel_status st, const char *message, PyObject *extra);
/* The exception pa_raise_extra would raise, returned (a new reference) instead of raised:
 * one item's error in a batch whose other items are returned. NULL with an exception set when
 * it cannot be made. */
PyObject *pa_error_new(accel_status st, const char *message, PyObject *extra);
/* The exception being raised, taken out of the thread's state (normalised, traceback kept): a
 * new reference, or NULL when none is set. */
PyObject *pa_take_error(void);
/* accel.InputError (status ERR_INVALID_ARG) with a formatted message; returns NULL. */
PyObject *pa_input_error(const char *fmt, ...);
/* accel.InputTypeError (status ERR_INVALID_ARG; an InputError and a TypeError) for an argument
 * of the wrong type: "name: expected WHAT, got TYPE VALUE (allowed: …)" (allowed may be NULL),
 * the words of accel/_args.py. Returns NULL. */
PyObject *pa_type_error(const char *name, const char *what, PyObject *got, const char *allowed);
/* accel.OutOfMemoryError (status ERR_NO_MEMORY) with a formatted message naming what did not
 * fit and its size (a bare MemoryError says neither); returns NULL. */
PyObject *pa_no_memory(const char *fmt, ...);
/* Mebibytes, for those messages. */
#define PA_MIB(bytes) ((double)(bytes) / 1048576.0)
/* Copies the thread's detailed message for a failed `st` into buf (the generic text when the
 * library left none). Called on the thread that made the call, before the GIL is taken back. */
void pa_last_error(accel_status st, char *buf, size_t cap);
/* The exception being raised, when it is not an accel.Error (a producer's own failure while
 * exporting `name`), becomes an accel.InputError naming the argument and quoting it. */
void pa_wrap_foreign_error(const char *name);
int pa_errors_init(PyObject *module);

/* ---- element types shared by inputs and outputs --------------------------------------- */

typedef enum {
    PA_EL_F32 = 0, PA_EL_F16, PA_EL_F64, PA_EL_BF16, PA_EL_I8, PA_EL_I16, PA_EL_I32,
    PA_EL_I64, PA_EL_U8, PA_EL_U16, PA_EL_U32, PA_EL_U64, PA_EL_BOOL, PA_EL_OTHER
} pa_el;

const char *pa_el_name(pa_el e);        /* numpy's names: "float32", "int16", … */
int pa_el_size(pa_el e);
pa_el pa_el_of_accel(accel_dtype t);
int pa_el_to_accel(pa_el e, accel_dtype *t); /* 0 when accel has the type */

/* ---- Buffer (buffer.c) ---------------------------------------------------------------- */

extern PyTypeObject *pa_BufferType;

/* Memory for a Buffer of `bytes` (64-byte aligned, at least one byte); free() releases it. */
void *pa_alloc(size_t bytes);
/* pa_alloc(n * size), NULL when the product overflows. */
void *pa_alloc_n(size_t n, size_t size);
struct pa_context;
/* A Buffer over memory of GPU `index` of context `owner` (accel_device_alloc), freed with
 * accel_device_free while the context is open (closing the context releases it otherwise);
 * dl_type/dl_id say where it is in DLPack's terms. On failure frees the memory and returns
 * NULL with an exception. */
PyObject *pa_buffer_new_device(void *ptr, struct pa_context *owner, size_t index, int dl_type,
                               int dl_id, pa_el el, int ndim, const size_t *shape);
/* A host Buffer over `data` (released with free_fn(data) when the Buffer goes; free_fn may be
 * NULL for memory owned by `owner`, which the Buffer keeps a reference to). On failure frees
 * the data (when free_fn is set) and returns NULL with an exception. */
PyObject *pa_buffer_new(void *data, void (*free_fn)(void *), PyObject *owner, pa_el el,
                        int ndim, const size_t *shape);
int pa_buffer_init(PyObject *module);

/* ---- inputs (input.c) ----------------------------------------------------------------- */

typedef struct pa_accept {
    unsigned dtypes;      /* bit (1u << accel_dtype) for each type taken in place */
    int to_f32;           /* float64, float16, bfloat16 not in `dtypes`: one copy to float32 */
    int min_ndim, max_ndim;
    const char *allowed;  /* for messages: "float32 or int16" */
    int device_ok;        /* GPU memory is taken (read where it is, never copied) */
    int rows;             /* images: rows further apart than a packed row (a crop of a larger
                             array) are read in place, their distance in row_stride */
} pa_accept;

typedef struct pa_input {
    const char *name;     /* the argument's name in messages */
    const void *data;     /* host memory, valid until pa_input_release */
    accel_dtype dtype;
    size_t n;             /* elements */
    int ndim;
    size_t shape[PA_MAXDIM];
    int copied;           /* 1 when data is a converted or gathered copy */
    const char *via;      /* "buffer protocol", "DLPack", "DLPack (versioned)", "CUDA array interface" */
    int on_device;        /* data is an address in a GPU's memory (device_ok calls only) */
    int dl_type, dl_id;   /* where, in DLPack's terms (PA_DL_CUDA/ROCM, ordinal; -1: unknown) */
    size_t row_stride;    /* bytes from one index of the first dimension to the next when the
                             call takes `rows` and the data are such a crop; 0: packed */
    /* ownership */
    int have_view;
    Py_buffer view;
    PyObject *capsule;
    void *managed;
    int versioned;
    void *copy;
} pa_input;

/* Reads `obj` (buffer protocol, else __dlpack__) for a call that takes `acc`. Returns 0, or -1
 * with an accel.InputError naming `name` and the reason. pa_input_release() in both cases. */
int pa_input_get(PyObject *obj, const char *name, const pa_accept *acc, pa_input *in);
void pa_input_release(pa_input *in);

/* ---- Context (context.c) -------------------------------------------------------------- */

typedef struct pa_context {
    PyObject_HEAD
    accel_ctx *ctx;
    pthread_rwlock_t lock; /* read: a call in progress; write: close() */
    int lock_ok;
} pa_context;

extern PyTypeObject *pa_ContextType;

/* Takes the read lock (call without the GIL): ACCEL_OK, or PA_CLOSED when the context is
 * closed (then nothing is held). */
accel_status pa_ctx_enter(pa_context *c);
void pa_ctx_leave(pa_context *c);

/* `st = expr` with the GIL released, under a lock that `enter` takes (an accel_status: ACCEL_OK,
 * or PA_CLOSED with nothing held) and `leave` gives back; on failure the thread's message lands
 * in msg (char[]), copied before the GIL is taken back. */
#define PA_RUN_IN(enter, leave, st, msg, expr)                                              \
    do {                                                                                    \
        Py_BEGIN_ALLOW_THREADS;                                                             \
        (st) = (enter);                                                                     \
        if ((st) == ACCEL_OK) {                                                             \
            (st) = (expr);                                                                  \
            if ((st) != ACCEL_OK) pa_last_error((st), (msg), sizeof(msg));                  \
            leave;                                                                          \
        } else {                                                                            \
            pa_last_error((st), (msg), sizeof(msg));                                        \
        }                                                                                   \
        Py_END_ALLOW_THREADS;                                                               \
    } while (0)

/* `st = expr` on the context c with the GIL released (its read lock held). */
#define PA_RUN(c, st, msg, expr) PA_RUN_IN(pa_ctx_enter(c), pa_ctx_leave(c), st, msg, expr)

/* `st = expr` with the GIL released, for the calls that need no context. */
#define PA_RUN_FREE(st, msg, expr) PA_RUN_IN(ACCEL_OK, (void)0, st, msg, expr)

/* PA_RUN that raises: when `expr` fails, the exception of its status with the thread's message
 * is raised and the calling function returns NULL (for a call with nothing to release after
 * it). */
#define PA_CALL(c, expr)                                                                    \
    do {                                                                                    \
        accel_status pa_st_;                                                                \
        char pa_msg_[1024];                                                                 \
        PA_RUN((c), pa_st_, pa_msg_, expr);                                                 \
        if (pa_st_ != ACCEL_OK) return pa_raise(pa_st_, pa_msg_);                           \
    } while (0)

/* The run record as a dict (device_planned, device_used, fallbacks, reason, …). */
PyObject *pa_record_dict(const accel_run_record *rec);

int pa_context_init(PyObject *module);

/* ---- arguments and failed calls (args.c) ---------------------------------------------- */

/* Raises for a failed call made with the GIL held: the thread's message about it (the status's
 * text when there is none); returns NULL. */
PyObject *pa_raise_last(accel_status st);
/* Raises for a failed operation with its run record (what was tried) as the exception's
 * .record; rec may be NULL (no record). Returns NULL. */
PyObject *pa_raise_record(accel_status st, const char *msg, const accel_run_record *rec);

/* The bytes a str stands for, for the library: UTF-8, with the surrogates os.fsdecode makes of
 * bytes that are not UTF-8 turned back into those bytes (surrogateescape: a name from
 * os.listdir reaches the library as the file's name, and its messages name it as the caller
 * wrote it); other lone surrogates, which no bytes decode to, as backslash escapes ("\ud800").
 * Never a UnicodeEncodeError. A new reference, or NULL with an exception (memory). */
PyObject *pa_encode_text(PyObject *str);
/* A str from text the library wrote (a message, a path, a setting's value): UTF-8, bytes that
 * are not UTF-8 as surrogates (surrogateescape), as pa_encode_text wrote them. */
PyObject *pa_decode(const char *text);

/* A path argument: str, bytes or os.PathLike through the file-system encoding. */
typedef struct pa_path {
    PyObject *bytes; /* owned; NULL for None */
    const char *text; /* its bytes, valid while `bytes` lives; NULL for None */
} pa_path;
/* PyArg "O&" converters into a pa_path (cleanup supported: a later argument's failure releases
 * it); the second takes None (text NULL). */
int pa_path_arg(PyObject *o, void *out);
int pa_path_or_none_arg(PyObject *o, void *out);
void pa_path_release(pa_path *p);

/* A list of paths (any sequence of str, bytes, os.PathLike; a single path is refused). */
typedef struct pa_paths {
    PyObject *keep;     /* the bytes the texts point into */
    const char **texts;
    Py_ssize_t n;
} pa_paths;
/* Reads `seq` into p; -1 with an accel.InputError naming `name` (or its item) and the reason. */
int pa_paths_get(PyObject *seq, const char *name, pa_paths *p);
/* PyArg "O&" converters of a word or other text argument (an operation, a preset, a setting's
 * value) into a pa_path, through pa_encode_text (cleanup supported); the second takes None
 * (text NULL). Not a str: accel.InputTypeError; a NUL in it: accel.InputError. The package's
 * functions check their arguments first and name them; these name "a text argument". */
int pa_text_arg(PyObject *o, void *out);
int pa_text_or_none_arg(PyObject *o, void *out);
/* PyArg "O&" converter: pa_paths_get named "paths". */
int pa_paths_arg(PyObject *o, void *out);
void pa_paths_release(pa_paths *p);

/* An integer argument lo..hi: 0, or -1 with accel.InputError "name: v (allowed: allowed)". */
int pa_arg_range(const char *name, long long v, long long lo, long long hi, const char *allowed);
/* The index of `value` among names[0..n), compared exactly as the CLI compares its words, or -1
 * with accel.InputError "name 'value': did you mean 'x'? allowed: names, …". */
int pa_arg_choice(const char *name, const char *value, const char *const *names, int n);
/* The same for an object, which must be a str (accel.InputTypeError "name: expected a string,
 * got … (allowed: …)"). */
int pa_arg_choice_obj(const char *name, PyObject *value, const char *const *names, int n);
/* A number (int or float, not bool) as a double: 0, or -1 with accel.InputTypeError
 * "name: expected a number, got …". */
int pa_arg_double(const char *name, PyObject *value, double *out);

/* A double field of a struct, for dicts of named numbers. */
typedef struct pa_field {
    const char *name;
    size_t off;
} pa_field;
/* Sets the fields of `base` that dict `d` names (None or NULL: none). -1 with
 * accel.InputTypeError when d is not a dict ("what: expected a dict, got …"), a key is not a
 * str ("what: expected names as keys, got …") or a value is not a number, accel.InputError
 * when a key names no field ("unknown item 'key' (allowed: …)"). */
int pa_arg_fields(PyObject *d, const char *what, const char *item, const pa_field *fields,
                  size_t n, void *base);

/* pa_input_get that holds nothing when it fails: 0, or -1 with the exception (released). */
int pa_input_arg(PyObject *obj, const char *name, const pa_accept *acc, pa_input *in);

/* ---- audio (audio.c) ------------------------------------------------------------------ */

extern PyTypeObject *pa_AudioParamsType;
extern PyMethodDef pa_context_audio_methods[]; /* merged into the Context's methods */
int pa_audio_init(PyObject *module);
/* _accel.cli(args): `python -m accel` (cli.c) */
int pa_cli_init(PyObject *module);

/* ---- image (image.c) ------------------------------------------------------------------ */

extern PyMethodDef pa_context_image_methods[]; /* merged into the Context's methods */

/* ---- corpus runs (corpus.c) ------------------------------------------------------------ */

/* Adds Corpus, RunLog, the CORPUS_* flags and the module functions of corpus runs. */
int pa_corpus_init(PyObject *module);

/* ---- small helpers (module.c) --------------------------------------------------------- */

/* dict[key] = value, stealing the reference to value; -1 on failure (value released). */
int pa_dict_steal(PyObject *d, const char *key, PyObject *value);
/* A str from text that may be NULL (→ None). */
PyObject *pa_str_or_none(const char *text);
/* A str that is "" → None. */
PyObject *pa_text(const char *text);

#endif
