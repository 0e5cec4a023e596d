"""The layout rules of DESIGN and STYLE, checked on the source: who-may-act modules import no
service, and achievements is laid out in packages like the other apps."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("accounts", "achievements", "branches", "conversion", "quality", "creditbank", "api")


def _imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function, made absolute."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.add(module)
            found |= {f"{module}.{alias.name}" for alias in node.names}
    return found


@pytest.mark.parametrize(
    "path", sorted(p for app in APPS for p in (ROOT / app).glob("access.py")), ids=str
)
def test_access_modules_import_no_service(path):
    services = {m for m in _imported_modules(path) if ".services" in f".{m}"}
    assert not services, f"{path.relative_to(ROOT)} imports {sorted(services)}"


def test_the_importer_sees_services_imported_from_a_package(tmp_path):
    # The check above cannot pass by not seeing imports: a module that does import a service
    # is caught, whether absolutely, relatively or inside a function.
    module = ROOT / "accounts" / "_probe_access.py"
    module.write_text(
        "from .services.institutions import invitation_check\n"
        "def f():\n    from achievements import services\n",
        encoding="utf-8",
    )
    try:
        found = _imported_modules(module)
    finally:
        module.unlink()
    assert "accounts.services.institutions" in found
    assert "achievements.services" in found


def test_achievements_has_no_flat_views_or_forms_modules():
    app = ROOT / "achievements"
    flat = sorted(p.name for p in app.glob("*.py") if p.stem.startswith(("views", "forms")))
    assert flat == []
    for package in ("models", "services", "forms", "views"):
        assert (app / package / "__init__.py").is_file(), package
