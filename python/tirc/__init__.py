"""tirc from Python: compile .tir kernels, schedule them with the checked primitives, and call
them on NumPy arrays.  Pure Python over libtirc (include/tirc.h) through ctypes.

    mod = tirc.compile(source_or_path)            # the file's schedules and the default rules
    C = mod.matmul(A, B)                          # outputs allocated and returned

    sch = tirc.Schedule(tirc.parse(source), "matmul")
    i, j, k = sch.loops(sch.block("C"))
    io, ii = sch.split(i, 32)
    sch.parallel(io)
    print(sch.trace())
    C = sch.build().matmul(A, B)

Errors derive from tirc.Error: CompileError (the source, code generation), ScheduleError (a
refused primitive, with its dependence and hint), ArgumentError (also a ValueError: a wrong
shape, dtype or name, raised before any kernel runs) and RunError (a kernel that stopped).
"""

import ctypes
import os
import threading

import numpy as np

from . import _lib
from ._lib import enc, lib, take_string

__all__ = ["Error", "CompileError", "ScheduleError", "ArgumentError", "RunError", "CheckError",
           "Module", "Function", "Schedule", "Block", "Loop", "TuneResult", "parse", "compile",
           "run", "tune", "agree", "version"]

TIRC_OK = 0
ERROR_ARGUMENT, ERROR_SOURCE, ERROR_SCHEDULE, ERROR_COMPILE, ERROR_RUN, ERROR_IO = range(1, 7)
SCHEDULE_NO_RULES = 1

_DTYPES = ["bool", "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "f16", "bf16", "f32",
           "f64"]
# NumPy's dtype for each tirc dtype (bf16 travels as its uint16 bits).
_NUMPY = {"bool": np.bool_, "i8": np.int8, "i16": np.int16, "i32": np.int32, "i64": np.int64,
          "u8": np.uint8, "u16": np.uint16, "u32": np.uint32, "u64": np.uint64,
          "f16": np.float16, "bf16": np.uint16, "f32": np.float32, "f64": np.float64}


def version():
    """libtirc's version, "0.1.0"."""
    return lib.tirc_version().decode()


__version__ = version()


class Diagnostic:
    """One diagnostic: severity ("error" or "note"), file, line, col (0 when unknown),
    message, and detail lines."""

    def __init__(self, d):
        self.severity = "error" if d.severity == 0 else "note"
        self.file = d.file.decode() if d.file else None
        self.line, self.col = d.line, d.col
        self.message = d.message.decode()
        self.detail = d.detail.decode().split("\n") if d.detail else []

    def __repr__(self):
        where = f"{self.file}:{self.line}:{self.col}: " if self.file else ""
        return f"<Diagnostic {where}{self.severity}: {self.message}>"


class Error(Exception):
    """A failed libtirc call: str() is the message as tirc prints it (with source lines and
    carets); .diagnostics the same as data; .status the library's status code."""

    def __init__(self, message, status, diagnostics):
        super().__init__(message)
        self.status = status
        self.diagnostics = diagnostics


class CompileError(Error):
    """The source has errors, or code generation failed."""


class ScheduleError(Error):
    """A primitive was refused (the schedule is as it was): .dependence holds the lines that
    explain the refusal, .hint the suggestion, if any."""

    def __init__(self, message, status, diagnostics):
        super().__init__(message, status, diagnostics)
        detail = diagnostics[0].detail if diagnostics else []
        self.hint = next((d[len("hint: "):] for d in detail if d.startswith("hint: ")), None)
        self.dependence = [d for d in detail if not d.startswith("hint: ")]


class ArgumentError(Error, ValueError):
    """A bad argument: a wrong shape, dtype or count, an unknown name or target."""


class RunError(Error):
    """The kernel stopped: a local buffer could not be allocated, or an impossible size."""


class TircIOError(Error, OSError):
    """A file could not be read or written."""


_ERRORS = {ERROR_ARGUMENT: ArgumentError, ERROR_SOURCE: CompileError,
           ERROR_SCHEDULE: ScheduleError, ERROR_COMPILE: CompileError, ERROR_RUN: RunError,
           ERROR_IO: TircIOError}


class _Context:
    """A tirc_context: the outcome of the last call of the objects made through it."""

    def __init__(self):
        self.ptr = lib.tirc_context_new()
        if not self.ptr:
            raise MemoryError("tirc_context_new")

    def __del__(self):
        if getattr(self, "ptr", None):
            lib.tirc_context_free(self.ptr)
            self.ptr = None

    def error(self, status=None):
        """The exception for the last failed call."""
        st = lib.tirc_last_status(self.ptr) if status is None else status
        diags = [Diagnostic(lib.tirc_diagnostic_get(self.ptr, i).contents)
                 for i in range(lib.tirc_diagnostic_count(self.ptr))]
        msg = lib.tirc_last_error(self.ptr).decode() or f"libtirc status {st}"
        return _ERRORS.get(st, Error)(msg, st, diags)

    def check(self, status):
        if status != TIRC_OK:
            raise self.error(status)


class _ModuleHandle:
    """One tirc_module with its context; freed when the last Python object using it goes."""

    def __init__(self, ctx, ptr):
        self.ctx, self.ptr = ctx, ptr

    def __del__(self):
        if getattr(self, "ptr", None):
            lib.tirc_module_free(self.ptr)
            self.ptr = None


def _is_path(source):
    return isinstance(source, os.PathLike) or (
        isinstance(source, str) and "\n" not in source and source.endswith(".tir"))


def parse(source_or_path, name=None):
    """A Module from .tir text or a .tir file, with no schedule applied yet."""
    ctx = _Context()
    if _is_path(source_or_path):
        ptr = lib.tirc_module_load(ctx.ptr, enc(os.fspath(source_or_path)))
    else:
        data = source_or_path.encode()
        ptr = lib.tirc_module_parse(ctx.ptr, enc(name or "<string>"), data, len(data))
    if not ptr:
        raise ctx.error()
    return Module(_ModuleHandle(ctx, ptr))


def compile(source_or_path, target=None, rules=True, tuning_log=None, sizes=None):
    """Parse and schedule as `tirc FILE.tir` does: the file's `schedule` blocks for "target"
    (None: this CPU; x86-64, avx2, avx512), then the default rules (unless rules=False), or
    the best traces of "tuning_log" for the size class of "sizes" ({"M": 512, ...})."""
    mod = parse(source_or_path)
    mod.target = target
    h = mod._h
    flags = 0 if rules else SCHEDULE_NO_RULES
    h.ctx.check(lib.tirc_module_schedule(h.ptr, enc(target), flags, enc(tuning_log),
                                         enc(_sizes_spec(sizes))))
    return mod


def _sizes_spec(sizes):
    if sizes is None or isinstance(sizes, str):
        return sizes
    return ",".join(f"{k}={int(v)}" for k, v in sizes.items())


class Module:
    """Compiled functions, called by name: mod.matmul(A, B).  Each function is JIT-compiled
    for this CPU on its first call, as scheduled then."""

    def __init__(self, handle, target=None):
        self._h = handle
        self.target = target
        self._funcs = {}

    @property
    def functions(self):
        n = lib.tirc_module_function_count(self._h.ptr)
        return [lib.tirc_module_function_name(self._h.ptr, i).decode() for i in range(n)]

    def ir(self):
        """The loop-nest IR of every function as .tir text (`tirc --emit ir`)."""
        return take_string(lib.tirc_module_print(self._h.ptr))

    def interpret(self, name, *inputs, **kw):
        """Function "name" as it is now, run in the reference interpreter."""
        return self.function(name).interpret(*inputs, **kw)

    def function(self, name):
        if name not in self._funcs:
            if name not in self.functions:
                raise AttributeError(f"no function '{name}' in the module "
                                     f"(it has: {', '.join(self.functions)})")
            self._funcs[name] = Function(self, name, self.target)
        return self._funcs[name]

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return self.function(name)

    def __getitem__(self, name):
        return self.function(name)

    def save(self, path, target=None):
        """An object (path ends .o) or shared library (.so) and its C header (path with .h)."""
        path = os.fspath(path)
        shared = path.endswith(".so")
        self._h.ctx.check(lib.tirc_module_write_object(self._h.ptr, enc(target or self.target),
                                                       enc(path), 1 if shared else 0))
        stem = path[: path.rfind(".")]
        guard = "".join(c.upper() if c.isalnum() else "_" for c in os.path.basename(stem))
        header = take_string(lib.tirc_module_header(self._h.ptr, enc(guard + "_H")))
        with open(stem + ".h", "w") as f:
            f.write(header)


class Function:
    """One JIT-compiled function: call it with the inputs (NumPy arrays, in signature order or
    by name); it returns its output (or a tuple of outputs), allocated to the shapes the
    inputs' sizes give.  Sizes no input's shape gives are passed by name: f(x, N=64)."""

    def __init__(self, module, name, target=None):
        self.module, self.name = module, name
        h = module._h
        self._ctx = h.ctx
        self._ptr = lib.tirc_kernel_compile(h.ptr, enc(name), enc(target))
        if not self._ptr:
            raise self._ctx.error()
        self.args = []
        for i in range(lib.tirc_kernel_arg_count(self._ptr)):
            nm, dt, nd, out = ctypes.c_char_p(), ctypes.c_int(), ctypes.c_int(), ctypes.c_int()
            lib.tirc_kernel_arg(self._ptr, i, ctypes.byref(nm), ctypes.byref(dt),
                                ctypes.byref(nd), ctypes.byref(out))
            self.args.append((nm.value.decode(), _DTYPES[dt.value], nd.value, bool(out.value)))
        self.inputs = [a for a in self.args if not a[3]]
        self.outputs = [a for a in self.args if a[3]]
        self.sizes = [lib.tirc_kernel_size_name(self._ptr, i).decode()
                      for i in range(lib.tirc_kernel_size_count(self._ptr))]

    def __del__(self):
        if getattr(self, "_ptr", None):
            lib.tirc_kernel_free(self._ptr)
            self._ptr = None

    def _tensor(self, i, arr):
        name, dtype, ndim, _ = self.args[i]
        want = _NUMPY[dtype]
        if arr.dtype != want:
            raise ArgumentError(f"{self.name}: argument {i} ('{name}') should be {dtype} "
                                f"(numpy {np.dtype(want).name}), got numpy {arr.dtype.name}",
                                ERROR_ARGUMENT, [])
        shape = (ctypes.c_int64 * max(arr.ndim, 1))(*arr.shape)
        t = _lib.Tensor(arr.ctypes.data, _DTYPES.index(dtype), arr.ndim,
                        ctypes.cast(shape, _lib.c_int64_p))
        return t, shape

    def _prepare(self, inputs, out, kw):
        """The tirc_tensor array, sizes and outputs of a call (ctypes arrays the call keeps
        alive in the returned list)."""
        named = {a[0] for a in self.inputs}
        by_name = {k: kw.pop(k) for k in list(kw) if k in named}
        if len(inputs) + len(by_name) != len(self.inputs):
            raise ArgumentError(f"{self.name} takes {len(self.inputs)} inputs "
                                f"({', '.join(a[0] for a in self.inputs)}), got "
                                f"{len(inputs) + len(by_name)}", ERROR_ARGUMENT, [])
        arrays = list(inputs)
        for a in self.inputs[len(inputs):]:
            if a[0] not in by_name:
                raise ArgumentError(f"{self.name}: input '{a[0]}' is missing", ERROR_ARGUMENT, [])
            arrays.append(by_name[a[0]])
        bad = [k for k in kw if k not in self.sizes]
        if bad:
            raise ArgumentError(f"{self.name}: '{bad[0]}' is neither an input nor a size "
                                f"(sizes: {', '.join(self.sizes) or 'none'})", ERROR_ARGUMENT, [])
        arrays = [np.ascontiguousarray(a) for a in arrays]
        keep = []
        tensors = []
        for i, a in enumerate(arrays):
            t, shape = self._tensor(i, a)
            tensors.append(t)
            keep.append(shape)
        sizes = (ctypes.c_int64 * max(len(self.sizes), 1))(*[int(kw.get(s, -1))
                                                              for s in self.sizes])
        n_in = len(self.inputs)
        targs = (_lib.Tensor * len(self.args))(*tensors, *([_lib.Tensor()] * len(self.outputs)))
        self._ctx.check(lib.tirc_kernel_infer_sizes(self._ptr, targs, n_in, sizes))
        if out is not None:
            outs = list(out) if isinstance(out, (tuple, list)) else [out]
            if len(outs) != len(self.outputs):
                raise ArgumentError(f"{self.name} has {len(self.outputs)} outputs, got "
                                    f"{len(outs)} in out=", ERROR_ARGUMENT, [])
            for o in outs:
                if not (isinstance(o, np.ndarray) and o.flags.c_contiguous and o.flags.writeable):
                    raise ArgumentError(f"{self.name}: out= arrays must be writable C-contiguous "
                                        "NumPy arrays", ERROR_ARGUMENT, [])
        else:
            outs = []
            for k, (name, dtype, ndim, _) in enumerate(self.outputs):
                shape = (ctypes.c_int64 * max(ndim, 1))()
                self._ctx.check(lib.tirc_kernel_arg_shape(self._ptr, n_in + k, sizes, shape))
                outs.append(np.zeros(tuple(shape[:ndim]), dtype=_NUMPY[dtype]))
        for k, o in enumerate(outs):
            t, shape = self._tensor(n_in + k, o)
            targs[n_in + k] = t
            keep.append(shape)
        return targs, sizes, outs, keep

    def __call__(self, *inputs, out=None, **kw):
        """Run on "inputs" (or keyword arguments by input name); "out" gives output arrays to
        write into instead of new ones.  Other keyword arguments are sizes."""
        targs, sizes, outs, keep = self._prepare(inputs, out, kw)
        self._ctx.check(lib.tirc_kernel_call(self._ptr, targs, len(self.args), sizes,
                                             len(self.sizes)))
        return outs[0] if len(outs) == 1 else tuple(outs)

    def interpret(self, *inputs, out=None, **kw):
        """The same call in the reference interpreter, on the function as it is now."""
        targs, sizes, outs, keep = self._prepare(inputs, out, kw)
        self._ctx.check(lib.tirc_module_interpret(self.module._h.ptr, enc(self.name), targs,
                                                  len(self.args), sizes, len(self.sizes)))
        return outs[0] if len(outs) == 1 else tuple(outs)


def agree(got, want):
    """Do "got" and "want" agree by tirc's rule for checking compiled code against the
    interpreter (integers exactly, floats within a tolerance by dtype; docs/language.md §7.8)?
    Both must have the same shape and dtype."""
    return _first_difference(got, want) is None


def _first_difference(got, want):
    got, want = np.ascontiguousarray(got), np.ascontiguousarray(want)
    if got.shape != want.shape or got.dtype != want.dtype:
        raise ValueError(f"cannot compare {got.dtype}{list(got.shape)} with "
                         f"{want.dtype}{list(want.shape)}")
    names = {np.dtype(v): k for k, v in _NUMPY.items() if k != "bf16"}
    first = ctypes.c_size_t()
    bad = lib.tirc_compare(_DTYPES.index(names[got.dtype]), got.ctypes.data,
                           want.ctypes.data, got.size, ctypes.byref(first))
    return None if bad == 0 else np.unravel_index(first.value, got.shape)


class TuneResult:
    """What tirc.tune found: .trace (`schedule F for T { ... }`, for Schedule.apply or a
    --schedule file), .best_s and .default_s (seconds: the best and the rules' own schedule),
    .gflops, .measured, .checked (the best agreed with the interpreter)."""

    def __init__(self, r, trace):
        self.trace = trace
        self.measured, self.checked = r.measured, bool(r.checked)
        self.best_s, self.default_s = r.best_s, r.default_s
        self.gflops = r.flops / r.best_s * 1e-9 if r.flops > 0 and r.best_s > 0 else None

    def __repr__(self):
        return (f"<TuneResult best {self.best_s * 1e3:.3f} ms (rules {self.default_s * 1e3:.3f} "
                f"ms), {self.measured} measured>")


def tune(source_or_path, sizes, func=None, target=None, trials=32, time=0.0, seed=0, jobs=0,
         log=None):
    """Search the default rules' parameters for "func" at "sizes" ({"M": 512, ...}) on this
    machine, as `tirc tune` does, appending to tuning log "log" when given.  Returns a
    TuneResult; the module is not changed (apply .trace, or pass the log to tirc.compile)."""
    mod = source_or_path if isinstance(source_or_path, Module) else parse(source_or_path)
    o = _lib.TuneOptions(enc(func), enc(_sizes_spec(sizes)), enc(target), trials, time, seed,
                         jobs, enc(os.fspath(log)) if log is not None else None)
    r = _lib.TuneResult()
    mod._h.ctx.check(lib.tirc_module_tune(mod._h.ptr, ctypes.byref(o), ctypes.byref(r)))
    return TuneResult(r, take_string(r.best_trace))


class CheckError(Error):
    """tirc.run(..., check=True): an output differs from the reference interpreter's."""


def run(source_or_path, *inputs, func=None, target=None, check=False, **kw):
    """Compile (the file's schedules and the rules) and call "func" (None: the only function)
    on "inputs"; with check=True, also run the unscheduled function in the reference
    interpreter and raise CheckError when an output differs.  Returns the output(s)."""
    mod = compile(source_or_path, target=target)
    name = func or mod.functions[0]
    got = mod.function(name)(*inputs, **kw)
    if check:
        want = parse(source_or_path).function(name).interpret(*inputs, **kw)
        gots = got if isinstance(got, tuple) else (got,)
        wants = want if isinstance(want, tuple) else (want,)
        fn = mod.function(name)
        for (oname, *_), g, w in zip(fn.outputs, gots, wants):
            where = _first_difference(g, w)
            if where is not None:
                at = [int(x) for x in where]
                raise CheckError(f"check {oname}: {oname}{at} = {g[where]}, the interpreter "
                                 f"says {w[where]}", ERROR_RUN, [])
    return got


class Block:
    """A block of a Schedule."""

    def __init__(self, sch, h):
        self._sch, self._h = sch, h

    @property
    def name(self):
        n = lib.tirc_block_name(self._sch._ptr, self._h)
        return n.decode() if n else None

    def __repr__(self):
        return f"<Block {self.name}>"


class Loop:
    """A loop of a Schedule; dead (name None) once a primitive replaced it."""

    def __init__(self, sch, h):
        self._sch, self._h = sch, h

    @property
    def name(self):
        n = lib.tirc_loop_name(self._sch._ptr, self._h)
        return n.decode() if n else None

    @property
    def extent(self):
        """The extent when it is a constant, else None."""
        e = lib.tirc_loop_extent(self._sch._ptr, self._h)
        return None if e < 0 else e

    def __repr__(self):
        return f"<Loop {self.name}>"


def _loops(loops):
    arr = (_lib.Handle * max(len(loops), 1))(*[l._h for l in loops])
    return arr, len(loops)


class Schedule:
    """The typed schedule API on function "func" of "module" (a Module from tirc.parse, or a
    .tir source or path): every primitive a method, each checked before it changes anything
    (a refusal raises ScheduleError and changes nothing)."""

    def __init__(self, module, func=None):
        if not isinstance(module, Module):
            module = parse(module)
        self.module = module
        self._ctx = module._h.ctx
        self._ptr = lib.tirc_schedule_new(module._h.ptr, enc(func))
        if not self._ptr:
            raise self._ctx.error()
        self.func = func or module.functions[0]

    def __del__(self):
        if getattr(self, "_ptr", None):
            lib.tirc_schedule_free(self._ptr)
            self._ptr = None

    def _check(self, status):
        self._ctx.check(status)

    def _name_next(self, names):
        if names:
            arr = (ctypes.c_char_p * len(names))(*[enc(n) for n in names])
            self._check(lib.tirc_schedule_name_next(self._ptr, arr, len(names)))

    # ---- handles ----
    def block(self, name):
        h = _lib.Handle()
        self._check(lib.tirc_schedule_get_block(self._ptr, enc(name), ctypes.byref(h)))
        return Block(self, h)

    def loops(self, block, names=None):
        """The loops around "block", outermost first (a trace step: `i, j, k = loops(C)`)."""
        self._name_next(names)
        out = (_lib.Handle * 64)()
        n = ctypes.c_int()
        self._check(lib.tirc_schedule_get_loops(self._ptr, block._h, out, 64, ctypes.byref(n)))
        return tuple(Loop(self, out[i]) for i in range(n.value))

    def blocks(self):
        out = (_lib.Handle * 1024)()
        n = lib.tirc_schedule_blocks(self._ptr, out, 1024)
        return [Block(self, out[i]) for i in range(min(n, 1024))]

    # ---- primitives ----
    def _pair(self, fn, loop, n, names):
        self._name_next(names)
        a, b = _lib.Handle(), _lib.Handle()
        self._check(fn(self._ptr, loop._h, n, ctypes.byref(a), ctypes.byref(b)))
        return Loop(self, a), Loop(self, b)

    def split(self, loop, factor, names=None):
        return self._pair(lib.tirc_schedule_split, loop, factor, names)

    def split_nparts(self, loop, nparts, names=None):
        return self._pair(lib.tirc_schedule_split_nparts, loop, nparts, names)

    def fuse(self, a, b, name=None):
        self._name_next([name] if name else None)
        f = _lib.Handle()
        self._check(lib.tirc_schedule_fuse(self._ptr, a._h, b._h, ctypes.byref(f)))
        return Loop(self, f)

    def reorder(self, *loops):
        arr, n = _loops(loops)
        self._check(lib.tirc_schedule_reorder(self._ptr, arr, n))

    def tile(self, x, y, fx, fy, names=None):
        """xo, yo, xi, yi"""
        self._name_next(names)
        out = (_lib.Handle * 4)()
        self._check(lib.tirc_schedule_tile(self._ptr, x._h, y._h, fx, fy, out))
        return tuple(Loop(self, out[i]) for i in range(4))

    def parallel(self, loop):
        self._check(lib.tirc_schedule_parallel(self._ptr, loop._h))

    def vectorize(self, loop):
        self._check(lib.tirc_schedule_vectorize(self._ptr, loop._h))

    def unroll(self, loop):
        self._check(lib.tirc_schedule_unroll(self._ptr, loop._h))

    def bind(self, loop, axis):
        self._check(lib.tirc_schedule_bind(self._ptr, loop._h, enc(axis)))

    def cache_read(self, block, buffer, scope="local", order=None):
        arr, n = _loops(order or [])
        c = _lib.Handle()
        self._check(lib.tirc_schedule_cache_read(self._ptr, block._h, enc(buffer), enc(scope),
                                                 arr, n, ctypes.byref(c)))
        return Block(self, c)

    def cache_write(self, block, scope="local"):
        c = _lib.Handle()
        self._check(lib.tirc_schedule_cache_write(self._ptr, block._h, enc(scope),
                                                  ctypes.byref(c)))
        return Block(self, c)

    def transform_layout(self, block, buffer, order):
        arr, n = _loops(order)
        self._check(lib.tirc_schedule_transform_layout(self._ptr, block._h, enc(buffer), arr, n))

    def set_scope(self, block, scope, buffer=None):
        self._check(lib.tirc_schedule_set_scope(self._ptr, block._h, enc(buffer), enc(scope)))

    def storage_align(self, block, buffer, axis, factor, offset):
        self._check(lib.tirc_schedule_storage_align(self._ptr, block._h, enc(buffer), axis,
                                                    factor, offset))

    def annotate(self, target, key, value):
        """An annotation on a Loop or a Block: an int or a str value."""
        i, s = (0, enc(value)) if isinstance(value, str) else (int(value), None)
        fn = (lib.tirc_schedule_annotate_loop if isinstance(target, Loop)
              else lib.tirc_schedule_annotate_block)
        self._check(fn(self._ptr, target._h, enc(key), i, s))

    def compute_inline(self, block):
        self._check(lib.tirc_schedule_compute_inline(self._ptr, block._h))

    def reverse_compute_inline(self, block):
        self._check(lib.tirc_schedule_reverse_compute_inline(self._ptr, block._h))

    def rfactor(self, loop):
        b = _lib.Handle()
        self._check(lib.tirc_schedule_rfactor(self._ptr, loop._h, ctypes.byref(b)))
        return Block(self, b)

    def decompose_reduction(self, block, loop):
        b = _lib.Handle()
        self._check(lib.tirc_schedule_decompose_reduction(self._ptr, block._h, loop._h,
                                                          ctypes.byref(b)))
        return Block(self, b)

    def compute_at(self, block, loop):
        self._check(lib.tirc_schedule_compute_at(self._ptr, block._h, loop._h))

    def reverse_compute_at(self, block, loop):
        self._check(lib.tirc_schedule_reverse_compute_at(self._ptr, block._h, loop._h))

    # ---- scripts, rules, logs ----
    def apply(self, text, target=None):
        """Apply a `schedule F { ... }` block written in .tir."""
        self._check(lib.tirc_schedule_apply_text(self._ptr, enc(text), enc(target)))

    def rules(self, target=None):
        """The default rules on every block no step touched; how many blocks they scheduled."""
        n = ctypes.c_int()
        self._check(lib.tirc_schedule_apply_rules(self._ptr, enc(target), ctypes.byref(n)))
        return n.value

    def apply_log(self, path, target=None, sizes=None):
        """The fastest trace of a `tirc tune` log for this function (and size class)."""
        self._check(lib.tirc_schedule_apply_log(self._ptr, enc(os.fspath(path)), enc(target),
                                                enc(_sizes_spec(sizes))))

    def undo(self):
        self._check(lib.tirc_schedule_undo(self._ptr))

    def reset(self):
        lib.tirc_schedule_reset(self._ptr)

    def __len__(self):
        return lib.tirc_schedule_trace_length(self._ptr)

    def trace(self):
        """The applied steps as a replayable `schedule F { ... }` block."""
        return take_string(lib.tirc_schedule_trace(self._ptr))

    def build(self, target=None):
        """The function compiled as scheduled now, in a module like tirc.compile's."""
        mod = Module(self.module._h, target)
        mod._funcs[self.func] = Function(mod, self.func, target)
        return mod
