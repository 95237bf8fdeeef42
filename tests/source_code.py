"""Reading the project's own code in tests: its string literals, docstrings apart."""

from __future__ import annotations

import ast


def string_constants(tree: ast.Module) -> list[ast.Constant]:
    """Every string literal of a module but its docstrings (prose, which may show an id or a path)."""
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings
    ]
