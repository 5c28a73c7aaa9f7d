"""How the tests and scripts depend on each other stays simple.

Shared helpers live in tests/helpers.py and fixtures in conftest.py, so no
test module needs another test module or a conftest; scripts/ runs without
tests/; nothing edits sys.path (`python -m` from the repository root finds
every package).
"""

import ast

from scripts.browser import ROOT


def imported_modules(path):
    """Every module an import names, `from a import b` giving `a` and `a.b`
    (b may be a module); relative imports resolved from the file's package."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".") if package else []
            if node.level:
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module
            yield module
            yield from (f"{module}.{alias.name}" for alias in node.names)


def python_files(*folders):
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


def is_test_or_conftest(module):
    return module.rsplit(".", 1)[-1].startswith(("test_", "conftest"))


def test_nothing_imports_a_test_module_or_a_conftest():
    imports = [
        (str(path.relative_to(ROOT)), module)
        for path in python_files("tests", "scripts", "bench")
        for module in imported_modules(path)
        if is_test_or_conftest(module)
    ]
    assert imports == []


def test_scripts_and_bench_do_not_import_the_tests():
    imports = [
        (str(path.relative_to(ROOT)), module)
        for path in python_files("scripts", "bench")
        for module in imported_modules(path)
        if module == "tests" or module.startswith("tests.")
    ]
    assert imports == []


def test_nothing_edits_sys_path():
    editing = [
        str(path.relative_to(ROOT))
        for path in python_files("tests", "scripts", "bench")
        if path.name != "test_suite_layout.py" and "sys.path" in path.read_text()
    ]
    assert editing == []
