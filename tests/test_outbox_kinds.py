"""Every kind of outbox row the code produces is classified (domain.outbox.KINDS): may a row caught
in flight by a crash be sent again, or must the administrators be told? And each kind has words in
both languages for that report.

The kinds are found in the source, not listed here: every module-level ``KIND``/``KIND_*`` string
constant in bot/, domain/ and handlers/, and every ``kind=`` given to ``enqueue``, to an
``OutboxMessage`` or to a function that passes its own ``kind`` on to one of them (resolved through
module constants and imports), including such a function's default.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from bot.i18n import SUPPORTED, Translator
from domain.outbox import KINDS, NAMELESS_KINDS, REPEAT, REPORT, kind_words_key

ROOT = Path(__file__).resolve().parent.parent
CODE_DIRS = ("bot", "domain", "handlers")
KIND_NAME = re.compile(r"^KIND(_[A-Z0-9_]+)?$")
PRODUCERS = {"enqueue", "OutboxMessage"}


@dataclass
class Module:
    name: str
    tree: ast.Module
    constants: dict[str, str] = field(default_factory=dict)  # module-level str constants
    imports: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # local name -> (module, attr)


def _modules() -> dict[str, Module]:
    out: dict[str, Module] = {}
    for folder in CODE_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            mod = Module(name, ast.parse(path.read_text(encoding="utf-8"), str(path)))
            for node in mod.tree.body:
                target, value = None, None
                if isinstance(node, ast.Assign) and len(node.targets) == 1:
                    target, value = node.targets[0], node.value
                elif isinstance(node, ast.AnnAssign):
                    target, value = node.target, node.value
                if isinstance(target, ast.Name) and isinstance(value, ast.Constant) and isinstance(value.value, str):
                    mod.constants[target.id] = value.value
            for node in ast.walk(mod.tree):
                if isinstance(node, ast.ImportFrom) and node.module:
                    for alias in node.names:
                        mod.imports[alias.asname or alias.name] = (node.module, alias.name)
                elif isinstance(node, ast.Import):
                    for alias in node.names:
                        mod.imports[alias.asname or alias.name.split(".")[0]] = (alias.name, None)
            out[name] = mod
    return out


def _resolve(expr: ast.expr, mod: Module, modules: dict[str, Module]) -> str | None:
    """The string an expression stands for, through constants and imports; None if unknown."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return expr.value
    if isinstance(expr, ast.Name):
        if expr.id in mod.constants:
            return mod.constants[expr.id]
        source = mod.imports.get(expr.id)
        if source and source[1] and source[0] in modules:
            return modules[source[0]].constants.get(source[1])
    if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name):
        source = mod.imports.get(expr.value.id)
        if source is not None:
            target = source[0] if source[1] is None else f"{source[0]}.{source[1]}"
            if target in modules:
                return modules[target].constants.get(expr.attr)
    return None


def _callee(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def produced_kinds() -> dict[str, set[str]]:
    """kind -> where it is produced (module names)."""
    modules = _modules()
    found: dict[str, set[str]] = {}

    def add(kind: str, where: str) -> None:
        found.setdefault(kind, set()).add(where)

    for mod in modules.values():
        for name, value in mod.constants.items():
            if KIND_NAME.match(name):
                add(value, mod.name)

    # functions that pass their own ``kind`` parameter on to a producer are producers too
    producers = set(PRODUCERS)
    functions = [(mod, node) for mod in modules.values() for node in ast.walk(mod.tree)
                 if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
    changed = True
    while changed:
        changed = False
        for mod, fn in functions:
            if fn.name in producers:
                continue
            params = {a.arg for a in (*fn.args.args, *fn.args.kwonlyargs)}
            if "kind" not in params:
                continue
            for call in ast.walk(fn):
                if isinstance(call, ast.Call) and _callee(call) in producers and any(
                        k.arg == "kind" and isinstance(k.value, ast.Name) and k.value.id == "kind"
                        for k in call.keywords):
                    producers.add(fn.name)
                    changed = True
                    break
    for mod, fn in functions:
        if fn.name in producers - PRODUCERS:
            args = [*fn.args.args, *fn.args.kwonlyargs]
            defaults = [*([None] * (len(fn.args.args) - len(fn.args.defaults))), *fn.args.defaults,
                        *fn.args.kw_defaults]
            for arg, default in zip(args, defaults, strict=True):
                if arg.arg == "kind" and default is not None and (value := _resolve(default, mod, modules)):
                    add(value, mod.name)
    for mod in modules.values():
        for call in ast.walk(mod.tree):
            if isinstance(call, ast.Call) and _callee(call) in producers:
                for k in call.keywords:
                    if k.arg == "kind" and (value := _resolve(k.value, mod, modules)):
                        add(value, mod.name)
    return found


def test_every_kind_produced_anywhere_is_classified():
    produced = produced_kinds()
    assert {"checkin", "digest", "pair-card", "pair-active", "consent-confirmed", "export-interrupted",
            "practice_approved", "roadmap_up", "survey-invite", "risk-alert"} <= set(produced)  # the scan works
    unclassified = {kind: sorted(where) for kind, where in produced.items() if kind not in KINDS}
    assert unclassified == {}, "classify these kinds in domain.outbox.KINDS"
    stale = sorted(set(KINDS) - set(produced))
    assert stale == [], "classified kinds nothing produces any more"
    assert set(KINDS.values()) <= {REPEAT, REPORT}


def test_the_harmless_kinds_are_the_questions_reminders_and_summaries():
    assert {k for k, v in KINDS.items() if v == REPEAT} == {
        "checkin", "survey-invite", "pair-reminder", "roadmap", "digest", "risk-alert", "roadmap_up",
        "outbox-unconfirmed", "pair-card-closed", "attention", "reply-edit",
    }


def test_every_kind_has_words_in_both_languages():
    t = Translator()
    for lang in SUPPORTED:
        keys = t.keys(lang)
        missing = [kind for kind in [*KINDS, "some-future-kind"] if kind_words_key(kind) not in keys]
        assert missing == [], lang


#: Arguments that carry a person's name somewhere in the code (erasure must read rows with them).
NAME_ARGS = {"name", "who", "mentor", "mentees", "partner", "partners", "others", "names", "silent", "body",
             "label", "text"}


def test_the_kinds_erasure_does_not_read_are_written_without_a_name():
    """domain.erasure skips the rows of NAMELESS_KINDS: every producer of them (enqueue and
    OutboxMessage calls naming such a kind) gives no pre-rendered text and no argument that
    carries a name, only literal keys; a kind not classified is read (safe)."""
    assert NAMELESS_KINDS <= set(KINDS)
    modules = _modules()
    seen: set[str] = set()
    for mod in modules.values():
        for call in ast.walk(mod.tree):
            if not (isinstance(call, ast.Call) and _callee(call) in PRODUCERS):
                continue
            kinds = {_resolve(k.value, mod, modules) for k in call.keywords if k.arg == "kind"}
            if not kinds & NAMELESS_KINDS:
                continue
            seen |= kinds & NAMELESS_KINDS
            for k in call.keywords:
                assert k.arg not in ("text", "payload", "buttons"), (mod.name, k.arg)
                if k.arg == "args":
                    assert isinstance(k.value, ast.Dict), (mod.name, "args must be a literal dict")
                    keys = {key.value for key in k.value.keys if isinstance(key, ast.Constant)}
                    assert len(keys) == len(k.value.keys) and not keys & NAME_ARGS, (mod.name, keys)
    assert seen == NAMELESS_KINDS - {"digest"}  # the scan works (digests became attention items)
