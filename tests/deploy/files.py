"""What the deployment files in deploy/ say: the processes they start (missionbot's arguments, the ports
they listen on, the HTTP paths probed there) and the environment variables they set.

The tests compare these with the CLI and the settings, so the files cannot drift from the code.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
DOCKERFILE = DEPLOY / "Dockerfile"
COMPOSE = DEPLOY / "compose.yaml"
ENV_EXAMPLE = DEPLOY / "missionbot.env.example"
KUSTOMIZATION = K8S / "kustomization.yaml"
SECRET_EXAMPLE = K8S / "secret.example.yaml"  # not applied by Kustomize: created from the env file
URL = re.compile(r"http://127\.0\.0\.1:([^/'\"]+)(/[A-Za-z0-9_/-]*)")


@dataclass(frozen=True, kw_only=True)
class Process:
    """One process a deployment file starts from the image (whose entrypoint is `missionbot`)."""

    where: str  # e.g. "compose.yaml services.worker"
    argv: list[str]  # missionbot's arguments: ["worker", "--metrics-port", "9100"]
    probes: list[tuple[int, str]] = field(default_factory=list)  # (port, path) polled over HTTP
    container_ports: list[int] = field(default_factory=list)  # declared open (EXPOSE, ports, containerPort)

    @property
    def command(self) -> str:
        return self.argv[0]

    def flags(self) -> list[str]:
        return [arg.split("=", 1)[0] for arg in self.argv[1:] if arg.startswith("--")]

    def option(self, flag: str) -> str | None:
        if flag in self.argv:
            return self.argv[self.argv.index(flag) + 1]
        return None


def load_yaml_documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def k8s_manifests() -> list[Path]:
    return sorted(p for p in K8S.glob("*.yaml") if p != KUSTOMIZATION)


def k8s_documents() -> list[tuple[str, dict[str, Any]]]:
    """(file name, document) for every Kubernetes object in deploy/k8s, the Secret example included."""
    return [(path.name, doc) for path in k8s_manifests() for doc in load_yaml_documents(path)]


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    lines = [line.strip() for line in joined.splitlines()]
    return [tuple(line.split(None, 1)) for line in lines if line and not line.startswith("#")]  # type: ignore[misc]


def dockerfile_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for instruction, args in dockerfile():
        if instruction == "ENV":
            env.update(pair.split("=", 1) for pair in shlex.split(args))
    return env


def _exec_form(args: str) -> list[str]:
    return yaml.safe_load(args)  # a JSON array is YAML


def _probe_urls(text: str, *, env: dict[str, str]) -> list[tuple[int, str]]:
    """The loopback URLs a health-check command polls; `%s` from os.environ.get('PORT', ...) is PORT."""
    found = []
    for port, path in URL.findall(text):
        found.append((int(env["PORT"] if port == "%s" else port), path))
    return found


def dockerfile_process() -> Process:
    steps = dockerfile()
    entrypoint = [_exec_form(a) for i, a in steps if i == "ENTRYPOINT"][-1]
    assert entrypoint == ["missionbot"], "the image's entrypoint is the missionbot command"
    health = " ".join(a for i, a in steps if i == "HEALTHCHECK")
    exposed = [int(p) for i, a in steps if i == "EXPOSE" for p in a.split()]
    return Process(
        where="Dockerfile CMD",
        argv=[_exec_form(a) for i, a in steps if i == "CMD"][-1],
        probes=_probe_urls(health, env=dockerfile_env()),
        container_ports=exposed,
    )


def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


def compose_processes() -> list[Process]:
    found = []
    for name, service in compose()["services"].items():
        if "command" not in service or service.get("image", "").startswith("redis"):
            continue
        test = service.get("healthcheck", {}).get("test", [])
        ports = [int(str(p).rsplit(":", 1)[-1]) for p in service.get("ports", [])]
        found.append(
            Process(
                where=f"compose.yaml services.{name}",
                argv=service["command"],
                probes=_probe_urls(" ".join(test), env={}),
                container_ports=ports,
            )
        )
    return found


def k8s_processes() -> list[Process]:
    found = []
    for file, doc in k8s_documents():
        if doc["kind"] != "Deployment":
            continue
        for container in doc["spec"]["template"]["spec"]["containers"]:
            named = {p["name"]: p["containerPort"] for p in container.get("ports", [])}
            probes = []
            for key in ("livenessProbe", "readinessProbe", "startupProbe"):
                if get := container.get(key, {}).get("httpGet"):
                    probes.append((named.get(get["port"], get["port"]), get["path"]))
            found.append(
                Process(
                    where=f"k8s/{file} {doc['metadata']['name']}",
                    argv=container["args"],
                    probes=probes,
                    container_ports=list(named.values()),
                )
            )
    return found


def processes() -> list[Process]:
    return [dockerfile_process(), *compose_processes(), *k8s_processes()]


def env_example_names() -> set[str]:
    """NAME in `NAME=...` lines, and in commented-out `# NAME=` ones (optional settings)."""
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", ENV_EXAMPLE.read_text(), flags=re.MULTILINE))


def env_names() -> dict[str, str]:
    """Every environment variable the deployment files set, and one place that sets it."""
    names = {name: "Dockerfile ENV" for name in dockerfile_env()}
    names |= {name: ENV_EXAMPLE.name for name in env_example_names()}
    compose_file = compose()
    for where, block in [("x-missionbot", compose_file.get("x-missionbot", {}))] + list(
        compose_file["services"].items()
    ):
        if where != "redis":
            names |= {name: f"compose.yaml {where}" for name in block.get("environment", {})}
    for file, doc in k8s_documents():
        if doc["kind"] == "Secret":
            names |= {name: f"k8s/{file}" for name in doc.get("stringData", {})}
        if doc["kind"] == "Deployment":
            for container in doc["spec"]["template"]["spec"]["containers"]:
                names |= {env["name"]: f"k8s/{file}" for env in container.get("env", [])}
    return names
