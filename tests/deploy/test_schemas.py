"""The deployment files are valid for the tools that read them: the Kubernetes manifests against the
Kubernetes API schemas that kubernetes-validate ships (offline, strict: an unknown field fails), and
compose.yaml against the Compose specification's JSON schema.

tests/fixtures/compose-spec.json is vendored from github.com/compose-spec/compose-spec,
schema/compose-spec.json at commit 170098ba07d9f53c383a41bfd4c5166b0a4529a6 (2026-06-23), Apache-2.0.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from tests.deploy import files

COMPOSE_SCHEMA = Path(__file__).resolve().parents[1] / "fixtures" / "compose-spec.json"
DOCUMENTS = files.k8s_documents()


@pytest.mark.parametrize(
    "doc",
    [doc for _, doc in DOCUMENTS],
    ids=[f"{f}:{d['kind']}/{d['metadata']['name']}" for f, d in DOCUMENTS],
)
def test_kubernetes_manifests_validate(doc: dict[str, Any]) -> None:
    kubernetes_validate.validate(doc, kubernetes_validate.latest_version(), strict=True)


def test_kubernetes_validation_is_not_vacuous() -> None:
    deployment = next(d for _, d in DOCUMENTS if d["kind"] == "Deployment")
    broken = copy.deepcopy(deployment)
    broken["spec"]["template"]["spec"]["containers"][0]["livenesProbe"] = {}  # a typo
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, kubernetes_validate.latest_version(), strict=True)


def test_kustomization_lists_every_manifest_but_the_secret_example() -> None:
    kustomization = yaml.safe_load(files.KUSTOMIZATION.read_text())
    assert kustomization["kind"] == "Kustomization"
    expected = {p.name for p in files.k8s_manifests()} - {files.SECRET_EXAMPLE.name}
    assert set(kustomization["resources"]) == expected
    images = {i["name"] for i in kustomization["images"]}
    for _, doc in DOCUMENTS:
        if doc["kind"] == "Deployment":
            assert {c["image"] for c in doc["spec"]["template"]["spec"]["containers"]} <= images


def compose_errors(doc: dict[str, Any]) -> list[str]:
    schema = json.loads(COMPOSE_SCHEMA.read_text())
    return [f"{list(e.path)}: {e.message}" for e in jsonschema.Draft7Validator(schema).iter_errors(doc)]


def test_compose_file_validates() -> None:
    assert compose_errors(files.compose()) == []


def test_compose_validation_is_not_vacuous() -> None:
    broken = files.compose()
    broken["services"]["serve"]["helthcheck"] = broken["services"]["serve"].pop("healthcheck")
    assert compose_errors(broken)


def test_compose_redis_keeps_an_append_only_file_on_a_volume() -> None:
    redis = files.compose()["services"]["redis"]
    assert redis["command"][redis["command"].index("--appendonly") + 1] == "yes"
    assert redis["command"][redis["command"].index("--appendfsync") + 1] == "everysec"
    assert any(v.endswith(":/data") for v in redis["volumes"])
