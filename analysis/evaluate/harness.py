"""The program the sandbox runs (``python -I harness.py``): it executes generated code, never the
suite. Standard library plus installed third-party packages only; it imports nothing of the
project (isolated mode puts no project folder on ``sys.path``).

Reads ``{"nonce", "job_seconds", "shared", "jobs"}`` as JSON on stdin; for each job prints one
line ``<nonce> {"i", "ok", "value", "error"}`` to the original stdout and flushes, so a parent
that has to kill the process keeps every finished job. Generated code's own output goes to a
sink. Job kinds: ``call`` (exec code, call a function on argument lists), ``humaneval`` (exec
code + tests, ``check(entry)``), ``sympy_equal``, ``sql``, ``regex``, ``sparql``, ``smt``
(``z3`` on SMT-LIB text), ``checker`` (the collection's checker of a family whose
checker evaluates the answer: the project folder is put on ``sys.path`` for it), ``plan`` (``pyperplan`` search on PDDL texts, then the plan checked
against the gold goal).
"""

import io
import json
import math
import os
import signal
import sys


class JobTimeout(BaseException):
    pass


def _alarm(signum, frame):
    raise JobTimeout("job time limit")


def plain(value, depth=0):
    """A JSON-able, comparable form of a Python value (tuples become lists, sets sorted lists)."""
    if depth > 20:
        return repr(value)
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, list | tuple):
        return [plain(v, depth + 1) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((plain(v, depth + 1) for v in value), key=repr)
    if isinstance(value, dict):
        return {
            "__dict__": sorted(
                ([plain(k, depth + 1), plain(v, depth + 1)] for k, v in value.items()), key=repr
            )
        }
    return repr(value)


def run_call(job, shared):
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


def run_humaneval(job, shared):
    env = {"__name__": "__generated__"}
    exec(compile(job["code"] + "\n\n" + job["test"], "<generated>", "exec"), env)
    env["check"](env[job["entry"]])
    return True


def run_sympy_equal(job, shared):
    import sympy
    from sympy.parsing.sympy_parser import parse_expr

    a, b = parse_expr(job["a"]), parse_expr(job["b"])
    return bool(sympy.simplify(a - b) == 0)


def run_sql(job, shared):
    import sqlite3

    results = []
    for setup in job["databases"]:
        conn = sqlite3.connect(":memory:")
        steps = [0]

        def tick(steps=steps):
            steps[0] += 1
            return int(steps[0] > 20_000)

        conn.executescript(setup)
        conn.set_progress_handler(tick, 1000)
        try:
            results.append([plain(r) for r in conn.execute(job["query"]).fetchmany(10_000)])
        finally:
            conn.close()
    return results


def run_regex(job, shared):
    import re

    pattern = re.compile(job["pattern"])
    return [
        [bool(pattern.fullmatch(s)) for s in job["pos"]],
        [bool(pattern.fullmatch(s)) for s in job["neg"]],
    ]


_GRAPH = {}


def run_sparql(job, shared):
    from rdflib import Graph

    if "g" not in _GRAPH:
        _GRAPH["g"] = Graph().parse(data=shared["graph_nt"], format="nt")
    result = _GRAPH["g"].query(job["query"], initNs=shared.get("namespaces") or {})
    if result.type == "ASK":
        return {"ask": bool(result.askAnswer)}
    return {"rows": [[None if v is None else str(v) for v in row] for row in list(result)[:10_000]]}


def run_smt(job, shared):
    import z3

    out = []
    for text in job["queries"]:
        solver = z3.Solver()
        solver.set("timeout", int(job.get("timeout_ms", 2000)))
        solver.from_string(text)
        out.append(str(solver.check()))
    return out


def run_plan(job, shared):
    import tempfile

    from pyperplan.grounding import ground
    from pyperplan.heuristics.relaxation import hFFHeuristic
    from pyperplan.pddl.parser import Parser
    from pyperplan.search import greedy_best_first_search

    folder = tempfile.mkdtemp(dir=".")
    paths = {}
    for key in ("domain", "problem", "gold_problem"):
        paths[key] = os.path.join(folder, key + ".pddl")
        with open(paths[key], "w", encoding="utf-8") as fh:
            fh.write(job[key])
    parser = Parser(paths["domain"], paths["problem"])
    task = ground(parser.parse_problem(parser.parse_domain()))
    plan = greedy_best_first_search(task, hFFHeuristic(task))
    if plan is None:
        return {"plan": None, "valid": False}
    gold_parser = Parser(paths["domain"], paths["gold_problem"])
    gold = ground(gold_parser.parse_problem(gold_parser.parse_domain()))
    state = gold.initial_state
    ops = {op.name: op for op in gold.operators}
    for step in plan:
        op = ops.get(step.name)
        if op is None or not op.applicable(state):
            return {"plan": [s.name for s in plan], "valid": False}
        state = op.apply(state)
    return {"plan": [s.name for s in plan], "valid": bool(gold.goal_reached(state))}


def run_checker(job, shared):
    """The collection's own checker of a family (``reason``), for checkers that evaluate."""
    if job["root"] not in sys.path:
        sys.path.insert(0, job["root"])
    from trainer.data.checkers import reason
    from trainer.data.schema import Sample

    return reason(Sample.from_dict(job["sample"]))


KINDS = {
    "checker": run_checker,
    "call": run_call, "humaneval": run_humaneval, "sympy_equal": run_sympy_equal, "sql": run_sql,
    "regex": run_regex, "sparql": run_sparql, "smt": run_smt, "plan": run_plan,
}  # fmt: skip


def main():
    spec = json.loads(sys.stdin.read())
    out_fd = os.dup(1)
    sink = os.open(os.devnull, os.O_WRONLY)
    os.dup2(sink, 1)
    os.dup2(sink, 2)
    signal.signal(signal.SIGALRM, _alarm)
    nonce = spec["nonce"]
    for i, job in enumerate(spec["jobs"]):
        sys.stdout = sys.stderr = io.StringIO()
        record = {"i": i, "ok": False, "value": None, "error": None}
        try:
            signal.setitimer(signal.ITIMER_REAL, float(spec["job_seconds"]))
            record["value"] = KINDS[job["kind"]](job, spec.get("shared") or {})
            record["ok"] = True
        except BaseException as err:  # a generated program's failure, whatever it is
            record["error"] = f"{type(err).__name__}: {str(err)[:200]}"
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        try:
            line = json.dumps(record)
        except (TypeError, ValueError):
            line = json.dumps({"i": i, "ok": False, "value": None, "error": "result is not JSON"})
        os.write(out_fd, (nonce + " " + line + "\n").encode())


if __name__ == "__main__":
    main()
