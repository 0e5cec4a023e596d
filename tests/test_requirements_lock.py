"""The lock files agree with pyproject.toml: every dependency is pinned, with hashes, to a version
inside its range, and the image (requirements.lock) runs the very pins that CI tests
(requirements-test.lock). After editing pyproject.toml, `make lock` brings them back in line."""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")
HASH = re.compile(r"--hash=(sha256:[0-9a-f]{64})")


def _pins(lock: str) -> dict[str, tuple[str, frozenset[str]]]:
    """``{name: (version, hashes)}`` of a pip-compile lock file."""
    pins: dict[str, tuple[str, frozenset[str]]] = {}
    text = (ROOT / lock).read_text()
    for entry in re.split(r"\n(?=\S)", text):
        match = PIN.match(entry)
        if match:
            name = canonicalize_name(match[1])
            assert name not in pins, f"{lock} pins {name} twice"
            pins[name] = (match[2], frozenset(HASH.findall(entry)))
    return pins


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


@pytest.mark.parametrize(
    ("lock", "groups"),
    [("requirements.lock", ["runtime"]), ("requirements-test.lock", ["runtime", "test"])],
)
def test_every_dependency_of_pyproject_is_pinned_in_its_range_with_hashes(lock, groups):
    project = _pyproject()
    wanted = {"runtime": project["dependencies"], **project["optional-dependencies"]}
    pins = _pins(lock)
    for group in groups:
        for line in wanted[group]:
            requirement = Requirement(line)
            name = canonicalize_name(requirement.name)
            assert name in pins, f"{name} is not in {lock}: run make lock"
            version, hashes = pins[name]
            assert requirement.specifier.contains(version, prereleases=True), (
                f"{lock} pins {name}=={version}, outside {requirement.specifier}: run make lock"
            )
    assert all(hashes for _, hashes in pins.values())


def test_the_image_and_ci_install_the_same_pins():
    runtime = _pins("requirements.lock")
    test = _pins("requirements-test.lock")
    assert {name: test.get(name) for name in runtime} == runtime
