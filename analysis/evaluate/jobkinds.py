"""What a job does, one function per kind (run in a job process of
:mod:`analysis.evaluate.harness`), and how values cross between processes: :func:`plain` (a
comparable JSON form of a result) and :func:`encode`/:func:`decode` (tagged JSON of builtin data
only, for HumanEval's calls). Standard library, installed packages and ``guards`` (bound next to
it in the sandbox) only: nothing else of the project.
"""

import json
import math
import os

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


def run_humaneval(job, shared, conn):
    """Serve calls of the generated module's functions (the test runs in the reporter)."""
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


def run_sympy_equal(job, shared, conn):
    import sympy
    from sympy.parsing.sympy_parser import parse_expr

    a, b = parse_expr(job["a"]), parse_expr(job["b"])
    return bool(sympy.simplify(a - b) == 0)


def run_sql(job, shared, conn):
    import guards

    results = []
    for setup in job["databases"]:
        db = guards.query_connection(setup)
        try:
            results.append([plain(r) for r in db.execute(job["query"]).fetchmany(10_000)])
        finally:
            db.close()
    return results


def run_regex(job, shared, conn):
    import re

    pattern = re.compile(job["pattern"])
    return [
        [bool(pattern.fullmatch(s)) for s in job["pos"]],
        [bool(pattern.fullmatch(s)) for s in job["neg"]],
    ]


_GRAPH = {}


def _graph(shared):
    from rdflib import Graph

    if "g" not in _GRAPH:
        _GRAPH["g"] = Graph().parse(data=shared["graph_nt"], format="nt")
    return _GRAPH["g"]


def run_sparql(job, shared, conn):
    import guards

    result = guards.local_sparql(_graph(shared), job["query"], shared.get("namespaces"))
    if result.type == "ASK":
        return {"ask": bool(result.askAnswer)}
    return {"rows": [[None if v is None else str(v) for v in row] for row in list(result)[:10_000]]}


def run_plan(job, shared, conn):
    from pyperplan.grounding import ground
    from pyperplan.heuristics.relaxation import hFFHeuristic
    from pyperplan.pddl.parser import Parser
    from pyperplan.search import greedy_best_first_search

    paths = {}
    for key in ("domain", "problem", "gold_problem"):
        paths[key] = os.path.abspath(key + ".pddl")
        with open(paths[key], "w", encoding="utf-8") as fh:
            fh.write(job[key])
    parser = Parser(paths["domain"], paths["problem"])
    task = ground(parser.parse_problem(parser.parse_domain()))
    plan = greedy_best_first_search(task, hFFHeuristic(task))
    if plan is None:
        return {"plan": None, "valid": False}
    gold_parser = Parser(paths["domain"], paths["gold_problem"])
    gold = ground(gold_parser.parse_problem(gold_parser.parse_domain()))
    state, ops = gold.initial_state, {op.name: op for op in gold.operators}
    for step in plan:
        op = ops.get(step.name)
        if op is None or not op.applicable(state):
            return {"plan": [s.name for s in plan], "valid": False}
        state = op.apply(state)
    return {"plan": [s.name for s in plan], "valid": bool(gold.goal_reached(state))}


KINDS = {
    "call": run_call, "humaneval": run_humaneval, "sympy_equal": run_sympy_equal, "sql": run_sql,
    "regex": run_regex, "sparql": run_sparql, "plan": run_plan,
}  # fmt: skip
#: A trivial job of each kind, run once in the zygote (never a generated one)
WARM = {
    "call": {"code": "def f(x):\n    return [x]", "entry": "f", "args": [[1]]},
    "humaneval": {"code": "", "test": ""},
    "sympy_equal": {"a": "sin(x)**2 + cos(x)**2", "b": "1"},
    "sql": {"databases": ["CREATE TABLE t(a);"], "query": "SELECT count(*) FROM t"},
    "regex": {"pattern": "a+", "pos": ["a"], "neg": ["b"]},
    "sparql": {"query": "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"},
    "plan": {},
}
PRELOAD = {"sympy_equal": ("sympy", "sympy.parsing.sympy_parser"), "sql": ("sqlite3", "guards"),
           "sparql": ("rdflib", "rdflib.plugins.sparql", "guards"),
           "plan": ("pyperplan.search", "pyperplan.grounding", "pyperplan.pddl.parser",
                    "pyperplan.heuristics.relaxation")}  # fmt: skip
