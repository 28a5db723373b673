"""The AST allow-list: a reward program is parsed and walked, never run, before any worker sees it.

:func:`validate_program` accepts a module that defines ``compute_reward(state)`` (plus helper functions
and constants) built only from the node types in :data:`ALLOWED_NODES`, whose names and attributes are
on the lists of :mod:`reward_plugins.code.rules`, and whose literals and nesting are bounded. Every
rejection is a :class:`~reward_plugins.errors.RewardProgramError` naming the line and the rule.
"""
from __future__ import annotations

import ast
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from ..errors import RewardProgramError
from .rules import DENIED_NAMES, ENTRY, SAFE_ATTRIBUTES

MAX_SOURCE_CHARS = 20_000
MAX_NODES = 5_000
MAX_DEPTH = 60
MAX_STRING = 1_000
MAX_INT_BITS = 64
MAX_DISPLAY = 256

#: Node types a program may use; anything else (import, class, try, with, yield, global, async, del...) is refused.
ALLOWED_NODES: tuple[type[ast.AST], ...] = (
    ast.Module, ast.FunctionDef, ast.Return, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.For, ast.While,
    ast.If, ast.Expr, ast.Pass, ast.Break, ast.Continue, ast.Assert,
    ast.BoolOp, ast.NamedExpr, ast.BinOp, ast.UnaryOp, ast.Lambda, ast.IfExp, ast.Dict, ast.Set, ast.ListComp,
    ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.Compare, ast.Call, ast.FormattedValue, ast.JoinedStr,
    ast.Constant, ast.Attribute, ast.Subscript, ast.Starred, ast.Name, ast.List, ast.Tuple, ast.Slice,
    ast.Load, ast.Store, ast.boolop, ast.operator, ast.unaryop, ast.cmpop, ast.comprehension, ast.arguments,
    ast.arg, ast.keyword,
)

#: Why each commonly tried construct is refused, by node type (the rule name and a hint).
_REFUSED: dict[type[ast.AST], tuple[str, str]] = {
    ast.Import: ("import", "imports are not allowed; torch and math functions are already in the namespace"),
    ast.ImportFrom: ("import", "imports are not allowed; torch and math functions are already in the namespace"),
    ast.Global: ("global", "global statements are not allowed; a reward program is a pure function"),
    ast.Nonlocal: ("global", "nonlocal statements are not allowed; a reward program is a pure function"),
    ast.ClassDef: ("class", "classes are not allowed; write functions"),
    ast.Try: ("try", "try/except is not allowed; guard with torch.where or if instead"),
    ast.Raise: ("try", "raise is not allowed"),
    ast.With: ("with", "with statements are not allowed"),
    ast.Yield: ("generator", "yield is not allowed; return tensors"),
    ast.YieldFrom: ("generator", "yield is not allowed; return tensors"),
    ast.Delete: ("del", "del is not allowed"),
}


@dataclass(frozen=True)
class RewardProgram:
    """A validated reward program: its source, SHA-256 (the cache key everywhere) and what it reads.

    ``fields`` maps each ``state[...]`` key the program reads to the first line reading it, when every
    use of ``state`` is a subscript by a string constant (then only those fields are shipped to the
    worker), else ``None``.
    ``components`` are the string keys of the dict ``compute_reward`` returns, when it returns a dict
    literal with constant keys, else empty.
    """

    source: str
    sha256: str
    fields: Mapping[str, int] | None
    components: tuple[str, ...]


def _refuse(node: ast.AST | None, rule: str, message: str, line: int = 0) -> RewardProgramError:
    line = int(getattr(node, "lineno", 0) or line)
    where = f"line {line}: " if line else ""
    return RewardProgramError(f"reward program rejected ({rule}): {where}{message}", line=line, rule=rule)


def _check_name(node: ast.AST, name: str) -> None:
    if name.startswith("_") and name != "_":
        raise _refuse(node, "name", f"name {name!r} starts with an underscore; such names are not allowed")
    if name in DENIED_NAMES:
        raise _refuse(node, "name", f"{name!r} is not available in reward programs")


def _check_node(node: ast.AST) -> None:
    """Refuse ``node`` if it breaks a rule (its children are checked separately)."""
    if type(node) in _REFUSED:
        rule, message = _REFUSED[type(node)]
        raise _refuse(node, rule, message)
    if not isinstance(node, ALLOWED_NODES):
        raise _refuse(node, "syntax", f"{type(node).__name__} is not allowed in reward programs")
    if isinstance(node, ast.Name):
        _check_name(node, node.id)
    elif isinstance(node, ast.arg):
        _check_name(node, node.arg)
    elif isinstance(node, ast.keyword) and node.arg is not None:
        _check_name(node, node.arg)
    elif isinstance(node, ast.FunctionDef):
        _check_name(node, node.name)
        if node.decorator_list:
            raise _refuse(node, "decorator", "decorators are not allowed")
    elif isinstance(node, ast.Attribute):
        if not isinstance(node.ctx, ast.Load):
            raise _refuse(node, "attribute", f"assigning to .{node.attr} is not allowed; programs change no objects")
        if node.attr not in SAFE_ATTRIBUTES:
            hint = " (names starting with an underscore never are)" if node.attr.startswith("_") else ""
            raise _refuse(node, "attribute", f".{node.attr} is not an allowed attribute{hint}")
    elif isinstance(node, ast.Constant):
        _check_constant(node)
    elif isinstance(node, (ast.List, ast.Tuple, ast.Set, ast.Dict)):
        size = len(node.keys) if isinstance(node, ast.Dict) else len(node.elts)
        if size > MAX_DISPLAY:
            raise _refuse(node, "literal", f"a literal with {size} elements; at most {MAX_DISPLAY}")


def _check_constant(node: ast.Constant) -> None:
    value = node.value
    if isinstance(value, bytes):
        raise _refuse(node, "literal", "bytes literals are not allowed")
    if isinstance(value, str) and len(value) > MAX_STRING:
        raise _refuse(node, "literal", f"a string of {len(value)} characters; at most {MAX_STRING}")
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_BITS:
        raise _refuse(node, "literal", f"an integer of {value.bit_length()} bits; at most {MAX_INT_BITS}")


def _walk(tree: ast.Module) -> None:
    """Check every node in source order, iteratively (a deep tree must not overflow the validator's own stack)."""
    stack: list[tuple[ast.AST, int, int]] = [(tree, 0, 0)]
    count = 0
    while stack:
        node, depth, line = stack.pop()
        line = getattr(node, "lineno", line)
        count += 1
        if count > MAX_NODES:
            raise _refuse(None, "size", f"the program has more than {MAX_NODES} syntax nodes")
        if depth > MAX_DEPTH:
            raise _refuse(None, "nesting", f"expressions or blocks nested deeper than {MAX_DEPTH} levels", line)
        _check_node(node)
        stack.extend(reversed([(child, depth + 1, line) for child in ast.iter_child_nodes(node)]))  # source order


def _entry(tree: ast.Module) -> ast.FunctionDef:
    """The ``compute_reward`` definition, after checking the module's top level."""
    entry = None
    for stmt in tree.body:
        if isinstance(stmt, ast.FunctionDef):
            if stmt.name == ENTRY:
                entry = stmt
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str):
            pass  # a docstring
        elif not isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            raise _refuse(stmt, "top level", "the top level holds only function definitions, constants and docstrings")
    if entry is None:
        raise _refuse(None, "signature", f"the program must define {ENTRY}(state) at the top level")
    args = entry.args
    if len(args.args) + len(args.posonlyargs) != 1 or args.vararg or args.kwarg or args.kwonlyargs:
        raise _refuse(entry, "signature", f"{ENTRY} takes exactly one argument, the reward-state dict: {ENTRY}(state)")
    return entry


def _fields_read(entry: ast.FunctionDef) -> dict[str, int] | None:
    """The ``state[...]`` keys read (with their first line), or ``None`` when ``state`` is used any other way."""
    state = (entry.args.posonlyargs + entry.args.args)[0].arg
    subscripted: set[int] = set()
    keys: dict[str, int] = {}
    for node in ast.walk(entry):
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == state:
            if not (isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str)):
                return None
            subscripted.add(id(node.value))
            keys[node.slice.value] = min(node.lineno, keys.get(node.slice.value, node.lineno))
    for node in ast.walk(entry):
        if isinstance(node, ast.Name) and node.id == state and id(node) not in subscripted:
            return None  # passed on, iterated or rebound: ship every field
    return dict(sorted(keys.items()))


def _components(entry: ast.FunctionDef) -> tuple[str, ...]:
    """The constant keys of the dict literal every ``return total, {...}`` of ``compute_reward`` gives."""
    found: list[tuple[str, ...]] = []
    for node in ast.walk(entry):
        if isinstance(node, ast.Return):
            value = node.value
            if not (isinstance(value, ast.Tuple) and len(value.elts) == 2 and isinstance(value.elts[1], ast.Dict)):
                return ()
            keys = value.elts[1].keys
            if not all(isinstance(k, ast.Constant) and isinstance(k.value, str) for k in keys):
                return ()
            found.append(tuple(k.value for k in keys))  # type: ignore[union-attr]
    return found[0] if found and all(f == found[0] for f in found) else ()


def validate_program(source: str) -> RewardProgram:
    """Parse and check ``source``; return the :class:`RewardProgram` or raise :class:`RewardProgramError`."""
    if not isinstance(source, str):
        raise RewardProgramError(f"a reward program is Python source text, got {type(source).__name__}",
                                 rule="source")
    if len(source) > MAX_SOURCE_CHARS:
        raise _refuse(None, "size", f"the program has {len(source)} characters; at most {MAX_SOURCE_CHARS}")
    try:
        tree = ast.parse(source, "<reward program>")
    except SyntaxError as e:
        line = int(e.lineno or 0)
        raise RewardProgramError(f"reward program rejected (syntax): line {line}: {e.msg}", line=line,
                                 rule="syntax") from None
    except (RecursionError, MemoryError, ValueError) as e:
        raise _refuse(None, "nesting", f"the parser gave up ({type(e).__name__}); nest less deeply") from None
    _walk(tree)
    entry = _entry(tree)
    digest = hashlib.sha256(source.encode("utf-8")).hexdigest()
    return RewardProgram(source, digest, _fields_read(entry), _components(entry))
