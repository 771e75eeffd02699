"""The ctypes binding of libtirc (include/tirc.h): finding the library and declaring each
function used.  Everything else of the package is plain Python over these."""

import ctypes
import ctypes.util
import os

c_int64_p = ctypes.POINTER(ctypes.c_int64)


class Diagnostic(ctypes.Structure):
    _fields_ = [("severity", ctypes.c_int), ("file", ctypes.c_char_p), ("line", ctypes.c_int),
                ("col", ctypes.c_int), ("message", ctypes.c_char_p), ("detail", ctypes.c_char_p)]


class Handle(ctypes.Structure):
    """tirc_block and tirc_loop: one opaque pointer passed by value."""
    _fields_ = [("opaque", ctypes.c_void_p)]


class Tensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("dtype", ctypes.c_int), ("ndim", ctypes.c_int),
                ("shape", c_int64_p)]


class TuneOptions(ctypes.Structure):
    _fields_ = [("func", ctypes.c_char_p), ("sizes", ctypes.c_char_p), ("target", ctypes.c_char_p),
                ("trials", ctypes.c_int), ("time_s", ctypes.c_double), ("seed", ctypes.c_uint64),
                ("jobs", ctypes.c_int), ("log", ctypes.c_char_p)]


class TuneResult(ctypes.Structure):
    _fields_ = [("measured", ctypes.c_int), ("default_s", ctypes.c_double),
                ("best_s", ctypes.c_double), ("flops", ctypes.c_double), ("checked", ctypes.c_int),
                ("best_trace", ctypes.c_void_p)]


def _candidates():
    """Where libtirc may be: $TIRC_LIBRARY, the build tree this package sits in (python/ beside
    build/), then the system's search path (an installed libtirc)."""
    env = os.environ.get("TIRC_LIBRARY")
    if env:
        yield env
    here = os.path.dirname(os.path.abspath(__file__))
    for build in ("build", "build-release"):
        yield os.path.join(here, "..", "..", build, "libtirc.so.0")
    found = ctypes.util.find_library("tirc")
    if found:
        yield found
    yield "libtirc.so.0"


def _load():
    errors = []
    for path in _candidates():
        if os.sep in path and not os.path.exists(path):
            continue
        try:
            return ctypes.CDLL(path)
        except OSError as e:
            errors.append(str(e))
    raise ImportError("tirc: cannot load libtirc (set TIRC_LIBRARY to libtirc.so.0): "
                      + "; ".join(errors or ["not found"]))


lib = _load()

P = ctypes.c_void_p
S = ctypes.c_char_p
I = ctypes.c_int
I64 = ctypes.c_int64
H = Handle
HP = ctypes.POINTER(Handle)

_SIGNATURES = {
    "tirc_context_new": (P, []),
    "tirc_context_free": (None, [P]),
    "tirc_last_status": (I, [P]),
    "tirc_last_error": (S, [P]),
    "tirc_diagnostic_count": (I, [P]),
    "tirc_diagnostic_get": (ctypes.POINTER(Diagnostic), [P, I]),
    "tirc_version": (S, []),
    "tirc_free": (None, [P]),
    "tirc_module_parse": (P, [P, S, S, ctypes.c_size_t]),
    "tirc_module_load": (P, [P, S]),
    "tirc_module_free": (None, [P]),
    "tirc_module_function_count": (I, [P]),
    "tirc_module_function_name": (S, [P, I]),
    "tirc_module_schedule": (I, [P, S, ctypes.c_uint, S, S]),
    "tirc_module_print": (P, [P]),
    "tirc_module_write_object": (I, [P, S, S, I]),
    "tirc_module_header": (P, [P, S]),
    "tirc_schedule_new": (P, [P, S]),
    "tirc_schedule_free": (None, [P]),
    "tirc_schedule_name_next": (I, [P, ctypes.POINTER(S), I]),
    "tirc_schedule_get_block": (I, [P, S, HP]),
    "tirc_schedule_get_loops": (I, [P, H, HP, I, ctypes.POINTER(I)]),
    "tirc_schedule_split": (I, [P, H, I64, HP, HP]),
    "tirc_schedule_split_nparts": (I, [P, H, I64, HP, HP]),
    "tirc_schedule_fuse": (I, [P, H, H, HP]),
    "tirc_schedule_reorder": (I, [P, HP, I]),
    "tirc_schedule_tile": (I, [P, H, H, I64, I64, HP]),
    "tirc_schedule_parallel": (I, [P, H]),
    "tirc_schedule_vectorize": (I, [P, H]),
    "tirc_schedule_unroll": (I, [P, H]),
    "tirc_schedule_bind": (I, [P, H, S]),
    "tirc_schedule_cache_read": (I, [P, H, S, S, HP, I, HP]),
    "tirc_schedule_cache_write": (I, [P, H, S, HP]),
    "tirc_schedule_transform_layout": (I, [P, H, S, HP, I]),
    "tirc_schedule_set_scope": (I, [P, H, S, S]),
    "tirc_schedule_storage_align": (I, [P, H, S, I64, I64, I64]),
    "tirc_schedule_annotate_loop": (I, [P, H, S, I64, S]),
    "tirc_schedule_annotate_block": (I, [P, H, S, I64, S]),
    "tirc_schedule_compute_inline": (I, [P, H]),
    "tirc_schedule_reverse_compute_inline": (I, [P, H]),
    "tirc_schedule_rfactor": (I, [P, H, HP]),
    "tirc_schedule_decompose_reduction": (I, [P, H, H, HP]),
    "tirc_schedule_compute_at": (I, [P, H, H]),
    "tirc_schedule_reverse_compute_at": (I, [P, H, H]),
    "tirc_schedule_apply_text": (I, [P, S, S]),
    "tirc_schedule_apply_rules": (I, [P, S, ctypes.POINTER(I)]),
    "tirc_schedule_apply_log": (I, [P, S, S, S]),
    "tirc_schedule_undo": (I, [P]),
    "tirc_schedule_reset": (None, [P]),
    "tirc_schedule_trace_length": (I, [P]),
    "tirc_schedule_trace": (P, [P]),
    "tirc_schedule_blocks": (I, [P, HP, I]),
    "tirc_schedule_loops": (I, [P, H, HP, I]),
    "tirc_block_name": (S, [P, H]),
    "tirc_loop_name": (S, [P, H]),
    "tirc_loop_extent": (I64, [P, H]),
    "tirc_dtype_name": (S, [I]),
    "tirc_kernel_compile": (P, [P, S, S]),
    "tirc_kernel_free": (None, [P]),
    "tirc_kernel_name": (S, [P]),
    "tirc_kernel_arg_count": (I, [P]),
    "tirc_kernel_arg": (I, [P, I, ctypes.POINTER(S), ctypes.POINTER(I), ctypes.POINTER(I),
                           ctypes.POINTER(I)]),
    "tirc_kernel_size_count": (I, [P]),
    "tirc_kernel_size_name": (S, [P, I]),
    "tirc_kernel_infer_sizes": (I, [P, ctypes.POINTER(Tensor), I, c_int64_p]),
    "tirc_kernel_arg_shape": (I, [P, I, c_int64_p, c_int64_p]),
    "tirc_kernel_call": (I, [P, ctypes.POINTER(Tensor), I, c_int64_p, I]),
    "tirc_module_tune": (I, [P, ctypes.POINTER(TuneOptions), ctypes.POINTER(TuneResult)]),
    "tirc_module_interpret": (I, [P, S, ctypes.POINTER(Tensor), I, c_int64_p, I]),
    "tirc_compare": (ctypes.c_size_t, [I, P, P, ctypes.c_size_t, ctypes.POINTER(ctypes.c_size_t)]),
}

for _name, (_res, _args) in _SIGNATURES.items():
    _f = getattr(lib, _name)
    _f.restype = _res
    _f.argtypes = _args


def take_string(ptr):
    """A `char *` the library gave (owned by the caller) as str, released."""
    if not ptr:
        return None
    try:
        return ctypes.string_at(ptr).decode()
    finally:
        lib.tirc_free(ptr)


def enc(s):
    """str or path-like as the char * the library takes."""
    return None if s is None else os.fsencode(s) if isinstance(s, os.PathLike) else s.encode()
