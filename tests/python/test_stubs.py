"""The shipped type stubs (__init__.pyi) and the package agree: every stubbed name exists, every public name is stubbed."""

from __future__ import annotations

import ast
import importlib.resources

import torchscript


def stub_tree() -> ast.Module:
    text = importlib.resources.files("torchscript").joinpath("__init__.pyi").read_text()
    return ast.parse(text)


def public(names) -> set[str]:
    return {n for n in names if not n.startswith("_")}


def test_the_stubs_ship_with_the_package():
    assert importlib.resources.files("torchscript").joinpath("py.typed").is_file()


def test_every_public_name_is_stubbed_and_exists():
    tree = stub_tree()
    stubbed = {
        node.name
        for node in tree.body
        if isinstance(node, (ast.ClassDef, ast.FunctionDef))
    }
    exported = public(torchscript.__all__)
    assert exported <= stubbed | {"__version__"}, f"not stubbed: {exported - stubbed}"
    for name in stubbed & public(dir(torchscript)):
        assert hasattr(torchscript, name)


def test_stubbed_members_exist_and_public_members_are_stubbed():
    for node in stub_tree().body:
        if not isinstance(node, ast.ClassDef) or not hasattr(torchscript, node.name):
            continue
        cls = getattr(torchscript, node.name)
        members = {item.name for item in node.body if isinstance(item, ast.FunctionDef)} | {
            item.target.id for item in node.body
            if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)
        }
        # Attributes set on exception instances are not class attributes.
        if issubclass(cls, BaseException):
            continue
        # Dunder methods may be type slots (pyo3's `__getattr__` is), not class attributes.
        for member in public(members):
            assert hasattr(cls, member), f"{node.name}.{member} is stubbed but does not exist"
        missing = public(vars(cls)) - members
        assert not missing, f"{node.name}: not stubbed: {sorted(missing)}"
