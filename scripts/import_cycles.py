"""Count product modules in import cycles (imports inside functions included) and function-level imports.

Run from the repo root: `python scripts/import_cycles.py` (prints both counts and the modules in cycles).
Product code is `bot`, `handlers` and `jobs`; every `import`/`from ... import` in the source is an edge,
wherever it sits, so an import moved into a function to dodge a cycle still counts.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGES = ("bot", "handlers", "jobs")


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def resolve(target: str, modules: set[str]) -> str | None:
    """The product module an imported name belongs to (`bot.x.y` may be module `bot.x` plus name `y`)."""
    while target:
        if target in modules:
            return target
        target = target.rpartition(".")[0]
    return None


def scan(root: Path) -> tuple[dict[str, set[str]], list[str]]:
    files = {module_name(p, root): p for pkg in PACKAGES for p in (root / pkg).rglob("*.py")}
    modules = set(files)
    graph: dict[str, set[str]] = {m: set() for m in modules}
    local_imports: list[str] = []
    for name, path in files.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for func in ast.walk(tree):
            if isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                for node in ast.walk(func):
                    if isinstance(node, ast.Import | ast.ImportFrom):
                        names = (
                            [a.name for a in node.names]
                            if isinstance(node, ast.Import)
                            else [node.module or "."]
                        )
                        kind = (
                            "product"
                            if getattr(node, "level", 0) or names[0].split(".")[0] in PACKAGES
                            else "external"
                        )
                        local_imports.append(
                            f"{path.relative_to(root)}:{node.lineno} {kind} {', '.join(names)}"
                        )
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                targets = [f"{base}.{a.name}" for a in node.names] + [base]
            for target in targets:
                if (hit := resolve(target, modules)) and hit != name:
                    graph[name].add(hit)
                    break
    return graph, sorted(
        set(local_imports), key=lambda line: (line.split(":")[0], int(line.split(":")[1].split()[0]))
    )


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative (the graph is small,
    but recursion limits are not worth thinking about)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def main() -> int:
    root = Path(__file__).resolve().parent.parent
    graph, local_imports = scan(root)
    cycles = strongly_connected(graph)
    in_cycles = sorted(m for group in cycles for m in group)
    print(f"modules in import cycles: {len(in_cycles)}")
    for group in cycles:
        print("  cycle:", ", ".join(group))
    product = [line for line in local_imports if " product " in line]
    print(f"imports inside functions: {len(local_imports)} ({len(product)} of product modules)")
    for where in local_imports:
        print("  ", where)
    return 0


if __name__ == "__main__":
    sys.exit(main())
