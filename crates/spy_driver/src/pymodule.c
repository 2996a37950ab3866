/* The C side of a Python extension module that `spyc build --python-module`
 * builds: compiled against the Python.h of the python3 that builds it, with
 * SPY_MODULE_NAME defined, and linked with the module's object (its functions,
 * their C entry points and the table `spy_exports`, see
 * `spy_codegen::compile_python_module`) and the runtime.
 *
 * Each export is a Python function of positional arguments. A call converts
 * the arguments by the export's signature (`name:letter,...>letter`, the
 * letters of `spy_driver::pymodule::letter`), releases the GIL, calls the entry
 * point, flushes spyc's stdout, takes the GIL back and converts the result.
 * Before spyc code writes to stdout, Python's stdout is flushed (the runtime's
 * output hook), so that the two programs' output stays in order.
 * A thread is registered with the collector at its first call, until it ends. An exception spyc code does not catch
 * comes back here by `longjmp` (`spy_rt_init_library`) and becomes the
 * Python exception of the same class and message: a builtin class by name,
 * else a class of this module made on first use. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#define GC_THREADS
#include <gc/gc.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

/* The module's exception classes: name, base class name, ..., 0. */
#include "spy_classes.h"

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define STR2(a) #a
#define STR(a) STR2(a)

typedef struct SpyStr SpyStr;
typedef void (*spy_entry)(const uint64_t *args, uint64_t *out);
typedef struct {
    const SpyStr *name, *sig, *doc;
    spy_entry fn;
} spy_export;

extern const spy_export spy_exports[];
extern void spy_rt_init_library(const void *hook);
extern void spy_rt_flush(void);
extern void spy_rt_set_stack_top(const void *get);
extern void spy_rt_set_output_hook(const void *hook);
extern const SpyStr *spy_str_from_utf8(const char *p, int64_t n);
extern const char *spy_str_utf8(const SpyStr *s, int64_t *n);
extern const SpyStr *spy_str_from_latin1(const void *p, int64_t n);
extern int64_t spy_str_latin1(const SpyStr *s, void *out);

#define MAX_ARGS 32

/* Each thread's call in progress (calls run without the GIL, several at once). */
static _Thread_local jmp_buf *catch_point;
static _Thread_local char exc_type[256];
static _Thread_local char *exc_msg;
static _Thread_local size_t exc_msg_len;
static PyObject *module_obj;
/* Set in the threads this module registered with the collector. */
static pthread_key_t thread_key;

/* A registered thread ends: the collector forgets it (it would signal it at
   its next collection). */
static void thread_ended(void *unused) {
    (void)unused;
    GC_unregister_my_thread();
}

static void on_uncaught(const char *t, size_t tn, const char *m, size_t mn) {
    if (tn >= sizeof exc_type) tn = sizeof exc_type - 1;
    memcpy(exc_type, t, tn);
    exc_type[tn] = 0;
    free(exc_msg);
    exc_msg = malloc(mn + 1);
    if (exc_msg) {
        memcpy(exc_msg, m, mn);
        exc_msg[mn] = 0;
        exc_msg_len = mn;
    } else {
        exc_msg_len = 0;
    }
    longjmp(*catch_point, 1);
}

static PyObject *utf8(const SpyStr *s) {
    int64_t n;
    const char *p = spy_str_utf8(s, &n);
    return PyUnicode_FromStringAndSize(p, (Py_ssize_t)n);
}

/* The Python exception for spyc's `etype: msg`. */
static void set_exception(void) {
    const char *msg = exc_msg ? exc_msg : "";
    if (strcmp(exc_type, "SystemExit") == 0) {
        PyObject *code = PyLong_FromString(msg, NULL, 10);
        if (!code) {
            PyErr_Clear();
            code = PyUnicode_FromString(msg);
        }
        PyErr_SetObject(PyExc_SystemExit, code);
        Py_XDECREF(code);
        return;
    }
    PyObject *cls = PyDict_GetItemString(PyEval_GetBuiltins(), exc_type);
    if (!(cls && PyExceptionClass_Check(cls))) {
        /* A class of the program: one of this module's, made once. */
        cls = PyObject_GetAttrString(module_obj, exc_type);
        if (!(cls && PyExceptionClass_Check(cls))) {
            PyErr_Clear();
            Py_XDECREF(cls);
            char full[300];
            snprintf(full, sizeof full, "%s.%s", STR(SPY_MODULE_NAME), exc_type);
            cls = PyErr_NewException(full, PyExc_Exception, NULL);
            if (!cls) return;
            if (PyModule_AddObjectRef(module_obj, exc_type, cls) < 0) {
                Py_DECREF(cls);
                return;
            }
        }
        Py_DECREF(cls);
    }
    PyObject *text = PyUnicode_DecodeUTF8(msg, (Py_ssize_t)exc_msg_len, "replace");
    if (!text) return;
    if (exc_msg_len == 0) {
        PyErr_SetNone(cls);
    } else if (cls == PyExc_KeyError) {
        /* spyc's message is the key's repr: the key again, as CPython's. */
        PyObject *ast = PyImport_ImportModule("ast");
        PyObject *key = ast ? PyObject_CallMethod(ast, "literal_eval", "O", text) : NULL;
        if (!key) PyErr_Clear();
        PyErr_SetObject(cls, key ? key : text);
        Py_XDECREF(key);
        Py_XDECREF(ast);
    } else {
        PyErr_SetObject(cls, text);
    }
    Py_DECREF(text);
}

static const char *type_name(PyObject *o) { return Py_TYPE(o)->tp_name; }

/* Convert argument `o` (named `pname`) for letter `c` into `slot`. */
/* The argument (or its item) an error names: `argument 'xs'`, `argument
   'xs' item 3`. */
static const char *describe(char *buf, size_t size, const char *pname, Py_ssize_t item) {
    if (item < 0)
        snprintf(buf, size, "argument '%s'", pname);
    else
        snprintf(buf, size, "argument '%s' item %zd", pname, item);
    return buf;
}

#define WHAT describe(what, sizeof what, pname, item)

static int convert_arg(const char *fname, const char *pname, Py_ssize_t item, char c, PyObject *o, uint64_t *slot) {
    char what[96];
    *slot = 0;
    switch (c) {
    case 'b': case 'h': case 'i': case 'l': {
        if (!PyLong_Check(o)) goto not_int;
        int overflow;
        long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
        if (v == -1 && PyErr_Occurred()) return -1;
        int bits = c == 'b' ? 8 : c == 'h' ? 16 : c == 'i' ? 32 : 64;
        long long lo = bits == 64 ? LLONG_MIN : -(1LL << (bits - 1));
        long long hi = bits == 64 ? LLONG_MAX : (1LL << (bits - 1)) - 1;
        if (overflow > 0 || v > hi) {
            PyErr_Format(PyExc_OverflowError, "%s() %s: signed integer is greater than maximum", fname, WHAT);
            return -1;
        }
        if (overflow < 0 || v < lo) {
            PyErr_Format(PyExc_OverflowError, "%s() %s: signed integer is less than minimum", fname, WHAT);
            return -1;
        }
        *slot = (uint64_t)v;
        return 0;
    }
    case 'B': case 'H': case 'I': case 'L': {
        if (!PyLong_Check(o)) goto not_int;
        if (_PyLong_Sign(o) < 0) {
            PyErr_Format(PyExc_OverflowError, "%s() %s: can't convert negative int to unsigned", fname, WHAT);
            return -1;
        }
        unsigned long long v = PyLong_AsUnsignedLongLong(o);
        int bits = c == 'B' ? 8 : c == 'H' ? 16 : c == 'I' ? 32 : 64;
        if (v == (unsigned long long)-1 && PyErr_Occurred()) {
            if (!PyErr_ExceptionMatches(PyExc_OverflowError)) return -1;
            PyErr_Clear();
            goto too_big;
        }
        if (bits < 64 && v > (1ULL << bits) - 1) goto too_big;
        *slot = v;
        return 0;
    too_big:
        PyErr_Format(PyExc_OverflowError, "%s() %s: unsigned integer is greater than maximum", fname, WHAT);
        return -1;
    }
    case 'd': case 'f': {
        if (c == 'd' && PyFloat_CheckExact(o)) {
            double d = PyFloat_AS_DOUBLE(o);
            memcpy(slot, &d, 8);
            return 0;
        }
        if (!(PyFloat_Check(o) || PyLong_Check(o))) {
            PyErr_Format(PyExc_TypeError, "%s() %s must be float, not %s", fname, WHAT, type_name(o));
            return -1;
        }
        double d = PyFloat_AsDouble(o);
        if (d == -1.0 && PyErr_Occurred()) return -1;
        if (c == 'd') {
            memcpy(slot, &d, 8);
        } else {
            float f = (float)d;
            memcpy(slot, &f, 4);
        }
        return 0;
    }
    case '?':
        if (!PyBool_Check(o)) {
            PyErr_Format(PyExc_TypeError, "%s() %s must be bool, not %s", fname, WHAT, type_name(o));
            return -1;
        }
        *slot = o == Py_True;
        return 0;
    case 's': {
        if (!PyUnicode_Check(o)) {
            PyErr_Format(PyExc_TypeError, "%s() %s must be str, not %s", fname, WHAT, type_name(o));
            return -1;
        }
        Py_ssize_t n;
        const char *p = PyUnicode_AsUTF8AndSize(o, &n);
        if (!p) return -1;
        *slot = (uint64_t)(uintptr_t)spy_str_from_utf8(p, (int64_t)n);
        return 0;
    }
    case 'y': {
        /* bytes, bytearray, memoryview...: any contiguous buffer, copied. */
        Py_buffer view;
        if (PyObject_GetBuffer(o, &view, PyBUF_SIMPLE) < 0) {
            if (!PyErr_ExceptionMatches(PyExc_TypeError)) return -1;
            PyErr_Clear();
            PyErr_Format(PyExc_TypeError, "%s() %s: a bytes-like object is required, not '%s'", fname, WHAT, type_name(o));
            return -1;
        }
        *slot = (uint64_t)(uintptr_t)spy_str_from_latin1(view.buf, (int64_t)view.len);
        PyBuffer_Release(&view);
        return 0;
    }
    }
    PyErr_Format(PyExc_SystemError, "%s(): unknown parameter kind '%c'", fname, c);
    return -1;
not_int:
    PyErr_Format(PyExc_TypeError, "%s() %s must be int, not %s", fname, WHAT, type_name(o));
    return -1;
}

static PyObject *convert_result(char c, const uint64_t *slot) {
    switch (c) {
    case 'n': Py_RETURN_NONE;
    case 'b': { int8_t v; memcpy(&v, slot, 1); return PyLong_FromLong(v); }
    case 'h': { int16_t v; memcpy(&v, slot, 2); return PyLong_FromLong(v); }
    case 'i': { int32_t v; memcpy(&v, slot, 4); return PyLong_FromLong(v); }
    case 'l': { int64_t v; memcpy(&v, slot, 8); return PyLong_FromLongLong(v); }
    case 'B': { uint8_t v; memcpy(&v, slot, 1); return PyLong_FromUnsignedLong(v); }
    case 'H': { uint16_t v; memcpy(&v, slot, 2); return PyLong_FromUnsignedLong(v); }
    case 'I': { uint32_t v; memcpy(&v, slot, 4); return PyLong_FromUnsignedLong(v); }
    case 'L': { uint64_t v; memcpy(&v, slot, 8); return PyLong_FromUnsignedLongLong(v); }
    case 'd': { double v; memcpy(&v, slot, 8); return PyFloat_FromDouble(v); }
    case 'f': { float v; memcpy(&v, slot, 4); return PyFloat_FromDouble(v); }
    case '?': { uint8_t v; memcpy(&v, slot, 1); return PyBool_FromLong(v); }
    case 's': return utf8((const SpyStr *)(uintptr_t)slot[0]);
    case 'y': {
        const SpyStr *s = (const SpyStr *)(uintptr_t)slot[0];
        PyObject *b = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)spy_str_latin1(s, NULL));
        if (b) spy_str_latin1(s, PyBytes_AS_STRING(b));
        return b;
    }
    }
    PyErr_Format(PyExc_SystemError, "unknown result kind '%c'", c);
    return NULL;
}

/* The bytes an item of letter `c` takes in a list's buffer. */
static size_t item_size(char c) {
    switch (c) {
    case 'b': case 'B': case '?': return 1;
    case 'i': case 'I': case 'f': return 4;
    default: return 8;
    }
}

extern void *spy_gc_alloc(int64_t n);
extern void *spy_gc_alloc_atomic(int64_t n);

/* A Python list (or tuple) as a new `list[T]` of items of letter `c`: its
   `_ListBuf[T]` (the layout `spy_runtime::abi::LIST_BUF`, given as
   SPY_LIST_*), the items copied. */
static int convert_list(const char *fname, const char *pname, char c, PyObject *o, uint64_t *slot) {
    if (!PyList_Check(o) && !PyTuple_Check(o)) {
        PyErr_Format(PyExc_TypeError, "%s() argument '%s' must be list, not %s", fname, pname, type_name(o));
        return -1;
    }
    Py_ssize_t n = PySequence_Fast_GET_SIZE(o);
    if (n > INT32_MAX) {
        PyErr_Format(PyExc_OverflowError, "%s() argument '%s': too many items", fname, pname);
        return -1;
    }
    size_t size = item_size(c), cap = n < 4 ? 4 : (size_t)n;
    char *buf = spy_gc_alloc(SPY_LIST_SIZE);
    /* Reachable from the stack from now on: `slot` is scanned. */
    *slot = (uint64_t)(uintptr_t)buf;
    char *items = c == 's' || c == 'y' ? spy_gc_alloc((int64_t)(cap * size)) : spy_gc_alloc_atomic((int64_t)(cap * size));
    memcpy(buf + SPY_LIST_ITEMS, &items, sizeof items);
    int32_t len = (int32_t)n, icap = (int32_t)cap;
    memcpy(buf + SPY_LIST_LENGTH, &len, 4);
    memcpy(buf + SPY_LIST_CAP, &icap, 4);
    PyObject **xs = PySequence_Fast_ITEMS(o);
    for (Py_ssize_t i = 0; i < n; i++) {
        uint64_t v;
        if (convert_arg(fname, pname, i, c, xs[i], &v) < 0) return -1;
        memcpy(items + (size_t)i * size, &v, size);
    }
    return 0;
}

static PyObject *convert_result(char c, const uint64_t *slot);

/* A `list[T]` result as a new Python list. */
static PyObject *list_result(char c, const char *buf) {
    if (!buf) return PyList_New(0);
    char *items;
    int32_t len;
    memcpy(&items, buf + SPY_LIST_ITEMS, sizeof items);
    memcpy(&len, buf + SPY_LIST_LENGTH, 4);
    size_t size = item_size(c);
    PyObject *list = PyList_New(len);
    if (!list) return NULL;
    for (int32_t i = 0; i < len; i++) {
        uint64_t v = 0;
        memcpy(&v, items + (size_t)i * size, size);
        PyObject *x = convert_result(c, &v);
        if (!x) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, i, x);
    }
    return list;
}

/* An export's signature, parsed once (`name:code,...>code`; a code is a
   letter, or `[` and the item's). */
typedef struct {
    const char *name;
    Py_ssize_t n;
    char names[MAX_ARGS][64];
    char codes[MAX_ARGS][64];
    char ret[64];
    spy_entry fn;
} signature;

static signature *sigs;

static int parse_signature(const char *sig, signature *out) {
    Py_ssize_t n = 0;
    const char *p = sig;
    while (*p && *p != '>') {
        const char *colon = strchr(p, ':');
        if (!colon || n >= MAX_ARGS) return -1;
        size_t len = (size_t)(colon - p);
        if (len > 63) len = 63;
        memcpy(out->names[n], p, len);
        out->names[n][len] = 0;
        const char *c = colon + 1;
        size_t clen = strcspn(c, ",>");
        if (clen > 63) return -1;
        memcpy(out->codes[n], c, clen);
        out->codes[n][clen] = 0;
        n++;
        p = c + clen;
        if (*p == ',') p++;
    }
    if (*p != '>' || strlen(p + 1) > 63) return -1;
    strcpy(out->ret, p + 1);
    out->n = n;
    return 0;
}

/* Convert `o` by the code at `*code` (advanced past it) into the slots from
   `*k` on: a letter is one slot, a list one (its buffer), a tuple its
   items' slots in order. */
static int convert_value(const char *fname, const char *pname, Py_ssize_t item, const char **code,
                         PyObject *o, uint64_t *slots, int *k) {
    char c = **code;
    if (c == '[') {
        *code += 2;
        if (*k >= MAX_ARGS) goto too_many;
        return convert_list(fname, pname, (*code)[-1], o, &slots[(*k)++]);
    }
    if (c == '^') {
        /* A set (or frozenset): the list of its items (the function's
           wrapper makes the set again). */
        char ic = (*code)[1];
        *code += 2;
        if (*k >= MAX_ARGS) goto too_many;
        if (!PyAnySet_Check(o)) {
            char what[96];
            PyErr_Format(PyExc_TypeError, "%s() %s must be set, not %s", fname, WHAT, type_name(o));
            return -1;
        }
        PyObject *items = PySequence_List(o);
        int r = items ? convert_list(fname, pname, ic, items, &slots[(*k)++]) : -1;
        Py_XDECREF(items);
        return r;
    }
    if (c == '{') {
        /* A dict: its keys' list and its values', in its order (the
           function's wrapper makes the dict again). */
        char kc = (*code)[1], vc = (*code)[2];
        *code += 4;
        if (*k + 2 > MAX_ARGS) goto too_many;
        if (!PyDict_Check(o)) {
            char what[96];
            PyErr_Format(PyExc_TypeError, "%s() %s must be dict, not %s", fname, WHAT, type_name(o));
            return -1;
        }
        PyObject *keys = PyDict_Keys(o), *values = PyDict_Values(o);
        int r = keys && values ? convert_list(fname, pname, kc, keys, &slots[*k]) : -1;
        if (r == 0) r = convert_list(fname, pname, vc, values, &slots[*k + 1]);
        Py_XDECREF(keys);
        Py_XDECREF(values);
        *k += 2;
        return r;
    }
    if (c == '(') {
        (*code)++;
        Py_ssize_t count = 0;
        for (const char *q = *code; *q != ')';) {
            /* The items' codes, to check the length first. */
            int depth = 0;
            do {
                if (*q == '(') depth++;
                else if (*q == ')') depth--;
                else if (*q == '[') q++;
                else if (*q == '{') q += 3;
                else if (*q == '^') q++;
                q++;
            } while (depth > 0);
            count++;
        }
        if (!PyTuple_Check(o)) {
            char what[96];
            PyErr_Format(PyExc_TypeError, "%s() %s must be tuple, not %s", fname, WHAT, type_name(o));
            return -1;
        }
        if (PyTuple_GET_SIZE(o) != count) {
            char what[96];
            PyErr_Format(PyExc_TypeError, "%s() %s must be a tuple of %zd items, not %zd", fname, WHAT, count, PyTuple_GET_SIZE(o));
            return -1;
        }
        for (Py_ssize_t i = 0; i < count; i++) {
            if (convert_value(fname, pname, i, code, PyTuple_GET_ITEM(o, i), slots, k) < 0) return -1;
        }
        (*code)++; /* ')' */
        return 0;
    }
    (*code)++;
    if (*k >= MAX_ARGS) goto too_many;
    return convert_arg(fname, pname, item, c, o, &slots[(*k)++]);
too_many:
    PyErr_Format(PyExc_SystemError, "%s(): too many values", fname);
    return -1;
}

/* The Python value of the code at `*code` (advanced past it) from the slots
   of `out` from `*k` on. */
static PyObject *result_value(const char **code, const uint64_t *out, int *k) {
    char c = **code;
    if (c == '[') {
        *code += 2;
        return list_result((*code)[-1], (const char *)(uintptr_t)out[(*k)++]);
    }
    if (c == '^') {
        char ic = (*code)[1];
        *code += 2;
        PyObject *items = list_result(ic, (const char *)(uintptr_t)out[(*k)++]);
        PyObject *set = items ? PySet_New(items) : NULL;
        Py_XDECREF(items);
        return set;
    }
    if (c == '{') {
        char kc = (*code)[1], vc = (*code)[2];
        *code += 4;
        PyObject *keys = list_result(kc, (const char *)(uintptr_t)out[*k]);
        PyObject *values = list_result(vc, (const char *)(uintptr_t)out[*k + 1]);
        *k += 2;
        PyObject *d = keys && values ? PyDict_New() : NULL;
        for (Py_ssize_t i = 0; d && i < PyList_GET_SIZE(keys); i++) {
            if (PyDict_SetItem(d, PyList_GET_ITEM(keys, i), PyList_GET_ITEM(values, i)) < 0) {
                Py_CLEAR(d);
            }
        }
        Py_XDECREF(keys);
        Py_XDECREF(values);
        return d;
    }
    if (c == '(') {
        (*code)++;
        PyObject *items = PyList_New(0);
        if (!items) return NULL;
        while (**code != ')') {
            PyObject *x = result_value(code, out, k);
            if (!x || PyList_Append(items, x) < 0) {
                Py_XDECREF(x);
                Py_DECREF(items);
                return NULL;
            }
            Py_DECREF(x);
        }
        (*code)++;
        PyObject *t = PyList_AsTuple(items);
        Py_DECREF(items);
        return t;
    }
    (*code)++;
    if (c == 'n') Py_RETURN_NONE;
    return convert_result(c, &out[(*k)++]);
}

/* This thread was registered with the collector (by this module or before). */
static _Thread_local int known_thread;
/* The frame of this thread's call in progress: the top of the stack the
   runtime walks (`try`, tracebacks). */
static _Thread_local uintptr_t stack_top;

static uintptr_t get_stack_top(void) { return stack_top; }

/* spyc code is about to write to stdout: what Python wrote before goes
   first (called without the GIL, before the runtime's first write of a
   call and after each time its buffer fills). */
static void before_output(void) {
    PyGILState_STATE g = PyGILState_Ensure();
    PyObject *out = PySys_GetObject("stdout");
    if (out && out != Py_None) {
        PyObject *r = PyObject_CallMethod(out, "flush", NULL);
        if (r) Py_DECREF(r); else PyErr_Clear();
    }
    PyGILState_Release(g);
}

/* `self` is the export's index. */
static PyObject *call_export(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    const signature *e = &sigs[PyLong_AsSsize_t(self)];
    const char *fname = e->name;
    Py_ssize_t n = e->n;
    if (nargs != n) {
        PyErr_Format(PyExc_TypeError, "%s() takes exactly %zd argument%s (%zd given)", fname, n, n == 1 ? "" : "s", nargs);
        return NULL;
    }
    /* A thread the collector does not know is known from its first call
       until it ends (`thread_ended`): its allocations use the collector's
       free lists of the thread. */
    if (!known_thread) {
        if (!GC_thread_is_registered()) {
            struct GC_stack_base sb;
            if (GC_get_stack_base(&sb) == GC_SUCCESS && GC_register_my_thread(&sb) == GC_SUCCESS)
                pthread_setspecific(thread_key, (void *)1);
        }
        known_thread = 1;
    }
    /* The arguments' strings and lists live in `slots`, on this (scanned)
       stack. */
    uint64_t slots[MAX_ARGS];
    uint64_t out[MAX_ARGS] = {0};
    int k = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        const char *code = e->codes[i];
        if (convert_value(fname, e->names[i], -1, &code, args[i], slots, &k) < 0) return NULL;
    }
    jmp_buf here;
    jmp_buf *outer = catch_point;
    catch_point = &here;
    uintptr_t outer_top = stack_top;
    stack_top = (uintptr_t)&here;
    /* spyc code touches no Python object: other threads run meanwhile. */
    PyThreadState *saved = PyEval_SaveThread();
    if (setjmp(here) == 0) {
        e->fn(slots, out);
        spy_rt_flush();
        PyEval_RestoreThread(saved);
        catch_point = outer;
        stack_top = outer_top;
        const char *code = e->ret;
        int j = 0;
        return result_value(&code, out, &j);
    }
    spy_rt_flush();
    PyEval_RestoreThread(saved);
    catch_point = outer;
    stack_top = outer_top;
    set_exception();
    return NULL;
}

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, STR(SPY_MODULE_NAME), NULL, -1, NULL, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC CAT(PyInit_, SPY_MODULE_NAME)(void) {
    spy_rt_init_library((const void *)on_uncaught);
    spy_rt_set_output_hook((const void *)before_output);
    spy_rt_set_stack_top((const void *)get_stack_top);
    GC_allow_register_threads();
    if (pthread_key_create(&thread_key, thread_ended) != 0) {
        PyErr_SetString(PyExc_RuntimeError, "cannot create a thread key");
        return NULL;
    }
    PyObject *m = PyModule_Create(&module_def);
    if (!m) return NULL;
    module_obj = m;
    PyObject *modname = PyModule_GetNameObject(m);
    if (!modname) goto fail;
    /* The program's exception classes, as classes of this module deriving
       from the Python class of the same base (builtin or the module's). */
    for (const char *const *c = spy_classes; *c; c += 2) {
        PyObject *base = PyDict_GetItemString(PyEval_GetBuiltins(), c[1]);
        if (!(base && PyExceptionClass_Check(base))) {
            base = PyObject_GetAttrString(m, c[1]);
            if (!base) {
                PyErr_Clear();
                base = PyExc_Exception;
            } else {
                Py_DECREF(base);
            }
        }
        char full[300];
        snprintf(full, sizeof full, "%s.%s", STR(SPY_MODULE_NAME), c[0]);
        PyObject *cls = PyErr_NewException(full, base, NULL);
        if (!cls || PyModule_AddObject(m, c[0], cls) < 0) {
            Py_XDECREF(cls);
            goto fail;
        }
    }
    Py_ssize_t count = 0;
    while (spy_exports[count].fn) count++;
    PyMethodDef *defs = PyMem_Calloc((size_t)count + 1, sizeof(PyMethodDef));
    sigs = PyMem_Calloc((size_t)count + 1, sizeof(signature));
    if (!defs || !sigs) goto fail;
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *name = utf8(spy_exports[i].name);
        PyObject *doc = utf8(spy_exports[i].doc);
        if (!name || !doc) goto fail;
        /* Kept for the life of the process, as the module's methods are. */
        PyObject *sig = utf8(spy_exports[i].sig);
        if (!sig || parse_signature(PyUnicode_AsUTF8(sig), &sigs[i]) < 0) {
            PyErr_SetString(PyExc_SystemError, "a bad export signature");
            goto fail;
        }
        sigs[i].name = PyUnicode_AsUTF8(name);
        sigs[i].fn = spy_exports[i].fn;
        defs[i].ml_name = PyUnicode_AsUTF8(name);
        defs[i].ml_doc = PyUnicode_AsUTF8(doc);
        defs[i].ml_meth = (PyCFunction)(void (*)(void))call_export;
        defs[i].ml_flags = METH_FASTCALL;
        PyObject *index = PyLong_FromSsize_t(i);
        PyObject *f = index ? PyCFunction_NewEx(&defs[i], index, modname) : NULL;
        Py_XDECREF(index);
        if (!f || PyModule_AddObject(m, defs[i].ml_name, f) < 0) {
            Py_XDECREF(f);
            goto fail;
        }
    }
    Py_DECREF(modname);
    return m;
fail:
    Py_XDECREF(modname);
    Py_DECREF(m);
    return NULL;
}
