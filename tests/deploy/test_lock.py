"""constraints.txt pins every dependency pyproject.toml names (runtime and the dev extra) to a version
its specifier allows, and every install path uses it: dev.py (and so .ci/run) and the Dockerfile."""

from __future__ import annotations

import importlib.util
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.deploy import files

LOCK = files.ROOT / "constraints.txt"


def pins() -> dict[str, str]:
    lines = [line.strip() for line in LOCK.read_text().splitlines()]
    pairs = [line.split("==", 1) for line in lines if line and not line.startswith("#")]
    return {canonicalize_name(name): version for name, version in pairs}


def declared() -> list[Requirement]:
    project = tomllib.loads((files.ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(r) for r in [*project["dependencies"], *project["optional-dependencies"]["dev"]]]


@pytest.mark.parametrize("requirement", declared(), ids=str)
def test_every_dependency_is_pinned_within_its_specifier(requirement: Requirement) -> None:
    version = pins().get(canonicalize_name(requirement.name))
    assert version, f"{requirement.name} is not in constraints.txt: run `python3 scripts/lock.py`"
    assert requirement.specifier.contains(version, prereleases=True), (
        f"constraints.txt pins {requirement.name}=={version}, outside {requirement}: run scripts/lock.py"
    )


def load_dev_py():  # noqa: ANN201 - the module dev.py
    spec = importlib.util.spec_from_file_location("dev_py", files.ROOT / "dev.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_dev_py_reinstalls_when_the_lock_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dev = load_dev_py()
    assert dev.LOCK == LOCK
    before = dev.install_digest()
    changed = tmp_path / "constraints.txt"
    changed.write_text(LOCK.read_text() + "# refreshed\n")
    monkeypatch.setattr(dev, "LOCK", changed)
    assert dev.install_digest() != before


def test_dev_py_and_the_dockerfile_install_with_the_lock() -> None:
    assert '"-c", str(LOCK)' in (files.ROOT / "dev.py").read_text()
    installs = [a for i, a in files.dockerfile() if i == "RUN" and "pip install" in a]
    assert installs and all("-c constraints.txt" in a for a in installs)
    assert any(i == "COPY" and "constraints.txt" in a.split() for i, a in files.dockerfile())
