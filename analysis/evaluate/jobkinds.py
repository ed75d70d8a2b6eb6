"""What a job does, one function per kind (run in a job process of
:mod:`analysis.evaluate.harness`), and how values cross between processes: :func:`plain` (a
comparable JSON form of a result) and :func:`encode`/:func:`decode` (tagged JSON of builtin data
only, for the calls of a ``module_test``). Standard library only, nothing of the project. The
generic kinds are here (``call``: a generated function on argument lists; ``module_test``: a test
script against a generated module); each family brings its own kinds (``kinds_<family>.py`` next
to this file in the sandbox, :attr:`symbolcollection.family.Family.kinds`).
"""

import json
import math

MAX_MESSAGE = 16 << 20


def send(conn, message):
    """One JSON line on a socket."""
    conn.sendall((json.dumps(message) + "\n").encode())


def plain(value, depth=0):
    """A JSON-able, comparable form of a Python value (tuples become lists, sets sorted lists)."""
    if depth > 20:
        return repr(value)
    if value is None or type(value) in (bool, int, str):
        return value
    if type(value) is float:
        return value if math.isfinite(value) else repr(value)
    if type(value) in (list, tuple):
        return [plain(v, depth + 1) for v in value]
    if type(value) in (set, frozenset):
        return sorted((plain(v, depth + 1) for v in value), key=repr)
    if type(value) is dict:
        return {
            "__dict__": sorted(
                ([plain(k, depth + 1), plain(v, depth + 1)] for k, v in value.items()), key=repr
            )
        }
    return repr(value)


def encode(value, depth=0):
    """Tagged JSON of builtin data only (exact types; anything else is refused with TypeError)."""
    if depth > 50:
        raise TypeError("nested too deeply")
    kind = type(value)
    if value is None or kind in (bool, int, str):
        return value
    if kind is float:
        return value if math.isfinite(value) else {"$f": repr(value)}
    if kind is list:
        return [encode(v, depth + 1) for v in value]
    tags = {tuple: "$t", set: "$s", frozenset: "$fs"}
    if kind in tags:
        return {tags[kind]: [encode(v, depth + 1) for v in value]}
    if kind is dict:
        return {"$d": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in value.items()]}
    if kind is complex:
        return {"$c": [value.real, value.imag]}
    raise TypeError(f"{kind.__name__} is not plain data")


def decode(data):
    """Builtin values from :func:`encode`'s JSON (strict: an unknown shape is a ValueError)."""
    if data is None or type(data) in (bool, int, float, str):
        return data
    if type(data) is list:
        return [decode(v) for v in data]
    if type(data) is dict and len(data) == 1:
        ((tag, body),) = data.items()
        if tag == "$f" and body in ("nan", "inf", "-inf"):
            return float(body)
        if tag == "$c" and type(body) is list and len(body) == 2:
            return complex(float(body[0]), float(body[1]))
        if tag in ("$t", "$s", "$fs") and type(body) is list:
            items = [decode(v) for v in body]
            return tuple(items) if tag == "$t" else set(items) if tag == "$s" else frozenset(items)
        if tag == "$d" and type(body) is list:
            return {decode(k): decode(v) for k, v in body}
    raise ValueError("not plain data")


# --- job kinds (run in a job process) ------------------------------------------------------------


def run_call(job, shared, conn):
    env = {"__name__": "__generated__"}
    exec(compile(job["code"], "<generated>", "exec"), env)
    fn = env[job["entry"]]
    out = []
    for args in job["args"]:
        try:
            out.append(["ok", plain(fn(*args))])
        except Exception as err:
            out.append(["raises", type(err).__name__])
    return out


def run_module_test(job, shared, conn):
    """Serve calls of the generated module's functions to a test run in the reporter (the test
    defines ``check(candidate)``, as HumanEval's do; see the harness's ``_drive``)."""
    env = {"__name__": "__generated__"}
    exec(compile(job["code"], "<generated>", "exec"), env)
    names = sorted(k for k, v in env.items() if callable(v) and not k.startswith("__"))
    send(conn, {"names": names})
    reader = conn.makefile("rb")
    while True:
        line = reader.readline(MAX_MESSAGE)
        if not line:
            return None
        call = json.loads(line)
        try:
            value = env[call["fn"]](*decode(call["args"]), **decode(call["kwargs"]))
            reply = {"value": encode(value)}
        except Exception as err:
            reply = {"raises": type(err).__name__}
        send(conn, reply)


KINDS = {"call": run_call, "module_test": run_module_test}
#: A trivial job of each kind, run once in the zygote (never a generated one)
WARM = {
    "call": {"code": "def f(x):\n    return [x]", "entry": "f", "args": [[1]]},
    "module_test": {"code": "", "test": ""},
}
#: Modules a kind imports, loaded in the zygote before any job (the families' kinds add theirs)
PRELOAD: dict = {}
