"""deploy/kubernetes: every manifest checked against the Kubernetes schemas (kubernetes-validate, strict:
an unknown or misplaced field fails) and read into the Kubernetes client's models with nothing dropped;
the DaemonSet takes no chip and writes only where it must; the NPD config follows NPD's own rules."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import kubernetes_validate
import pytest
import yaml
from kubernetes.client import ApiClient

from doctor.cli import build_parser
from doctor.commands.npd_status import CONDITIONS, MESSAGE_BYTES
from tests.metrics.support import REPO

DEPLOY = REPO / "deploy" / "kubernetes"
KUBERNETES_VERSION = "1.32"
WRITABLE_MOUNTS = {"cache", "textfile"}        # the cached report and node_exporter's textfile directory
NPD_CONFIG = DEPLOY / "ascend-doctor-monitor.json"


def kustomization() -> dict:
    return yaml.safe_load((DEPLOY / "kustomization.yaml").read_text())


def manifests() -> list[dict]:
    return [doc for name in kustomization()["resources"]
            for doc in yaml.safe_load_all((DEPLOY / name).read_text()) if doc]


def daemonsets() -> dict:
    return {d["metadata"]["name"]: d for d in manifests() if d["kind"] == "DaemonSet"}


def pod(name: str) -> dict:
    return daemonsets()[name]["spec"]["template"]["spec"]


@pytest.mark.parametrize("doc", manifests(), ids=lambda d: f"{d['kind']}/{d['metadata']['name']}")
def test_each_manifest_is_valid_against_the_strict_schema(doc):
    kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize("name", ["ascend-doctor", "ascend-doctor-npd"])
def test_the_daemonsets_read_into_the_client_models_with_nothing_dropped(name):
    client = ApiClient()
    original = daemonsets()[name]
    model = client._ApiClient__deserialize(original, "V1DaemonSet")
    assert client.sanitize_for_serialization(model) == original


def test_every_resource_and_generated_file_exists():
    spec = kustomization()
    assert spec["kind"] == "Kustomization" and "helm" not in json.dumps(spec).lower()
    for name in spec["resources"] + [f for g in spec["configMapGenerator"] for f in g["files"]]:
        assert (DEPLOY / name).is_file(), name


def test_kubectl_kustomize_renders_valid_manifests():
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed: its built-in kustomize renders the base")
    done = subprocess.run([kubectl, "kustomize", str(DEPLOY)], capture_output=True, text=True, check=True)
    rendered = [d for d in yaml.safe_load_all(done.stdout) if d]
    assert {d["kind"] for d in rendered} == {"Namespace", "ServiceAccount", "ClusterRoleBinding", "ConfigMap",
                                             "DaemonSet"}
    for doc in rendered:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
    (config,) = [d for d in rendered if d["kind"] == "ConfigMap"]
    assert json.loads(config["data"]["ascend-doctor-monitor.json"]) == json.loads(NPD_CONFIG.read_text())


def containers():
    return [(name, c) for name in daemonsets() for c in pod(name)["containers"] + pod(name).get("initContainers", [])]


@pytest.mark.parametrize("name, container", containers(), ids=lambda x: x if isinstance(x, str) else x["name"])
def test_no_container_asks_for_an_npu(name, container):
    resources = container.get("resources", {})
    asked = [key for part in ("requests", "limits") for key in resources.get(part, {})]
    assert asked and not [key for key in asked if key.startswith("huawei.com/")], asked
    assert "limits" in resources


@pytest.mark.parametrize("name", ["ascend-doctor", "ascend-doctor-npd"])
def test_every_host_path_is_mounted_read_only_but_the_cache_and_textfile(name):
    spec = pod(name)
    host_paths = {v["name"] for v in spec["volumes"] if "hostPath" in v}
    for container in spec["containers"]:
        for mount in container["volumeMounts"]:
            if mount["name"] in host_paths and mount["name"] not in WRITABLE_MOUNTS:
                assert mount.get("readOnly") is True, mount
    if name == "ascend-doctor-npd":    # NPD only reads the cache
        assert all(m.get("readOnly") for m in spec["containers"][0]["volumeMounts"])


def test_the_doctor_runs_on_ascend_nodes_as_npu_exporter_does():
    spec = pod("ascend-doctor")
    (doctor,) = spec["containers"]
    assert spec["nodeSelector"] == {"accelerator": "huawei-Ascend910"}
    assert doctor["securityContext"]["privileged"] is True and spec["automountServiceAccountToken"] is False
    mounts = {m["mountPath"]: m["name"] for m in doctor["volumeMounts"]}
    volumes = {v["name"]: v.get("hostPath", {}).get("path") for v in spec["volumes"]}
    for path in ("/usr/local/Ascend/driver", "/usr/local/dcmi", "/usr/local/bin/npu-smi", "/etc/ascend_install.info",
                 "/dev"):
        assert volumes[mounts[path]] == path
    assert volumes[mounts["/host"]] == "/"
    assert {t.get("effect") for t in spec["tolerations"]} == {"NoSchedule", "NoExecute"}


def test_the_doctor_command_is_a_real_watch_command_on_the_host_root():
    (doctor,) = pod("ascend-doctor")["containers"]
    assert doctor["command"][0] == "ascend-doctor"
    args = build_parser().parse_args(doctor["command"][1:])
    assert (args.command, args.root) == ("watch", "/host")
    mounts = {m["name"]: m["mountPath"] for m in doctor["volumeMounts"]}
    assert args.cache.startswith(mounts["cache"] + "/")
    assert args.metrics_file.startswith(mounts["textfile"] + "/") and args.metrics_file.endswith(".prom")


# ---- the node-problem-detector custom plugin monitor -------------------------------------------------------
# Its rules, from kubernetes/node-problem-detector pkg/custompluginmonitor/types/config.go and types.go.

TOP_KEYS = {"plugin", "pluginConfig", "source", "conditions", "rules", "metricsReporting"}
PLUGIN_KEYS = {"invoke_interval", "timeout", "max_output_length", "concurrency",
               "enable_message_change_based_condition_update", "skip_initial_status"}
RULE_KEYS = {"type", "condition", "reason", "path", "args", "timeout", "invoke_interval"}
GO_DURATION = re.compile(r"(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+\Z")
UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}


def seconds(text: str) -> float:
    assert GO_DURATION.match(text), text
    return sum(float(n) * UNITS[u] for n, _, u in re.findall(r"(\d+(\.\d+)?)(ms|s|m|h)", text))


def npd_config() -> dict:
    return json.loads(NPD_CONFIG.read_text())


def test_the_npd_config_has_only_fields_npd_knows_with_their_types():
    config = npd_config()
    assert set(config) <= TOP_KEYS and config["plugin"] == "custom" and config["source"]
    plugin = config["pluginConfig"]
    assert set(plugin) <= PLUGIN_KEYS
    assert seconds(plugin["invoke_interval"]) > 0 and seconds(plugin["timeout"]) > 0
    assert plugin["max_output_length"] == MESSAGE_BYTES and isinstance(plugin["concurrency"], int)
    for condition in config["conditions"]:
        assert set(condition) == {"type", "reason", "message"}
    for rule in config["rules"]:
        assert set(rule) <= RULE_KEYS and rule["type"] in ("temporary", "permanent")
        assert seconds(rule["timeout"]) <= seconds(plugin["timeout"])    # NPD refuses a longer one


def test_each_permanent_rule_has_its_default_condition():
    config = npd_config()
    defaults = {c["type"] for c in config["conditions"]}
    assert {r["condition"] for r in config["rules"] if r["type"] == "permanent"} <= defaults


def test_the_rules_run_npd_status_with_arguments_the_doctor_accepts_for_each_condition():
    config = npd_config()
    asked = set()
    for rule in config["rules"]:
        assert rule["path"] == "/usr/local/bin/ascend-doctor"     # where pip puts the script in the image
        args = build_parser().parse_args(rule["args"])
        assert args.command == "npd-status" and args.cache == "/var/run/ascend-doctor/report.json"
        assert args.max_age >= 3 * 300       # three watch intervals
        asked.add(args.condition)
    assert asked == set(CONDITIONS) - {"any-failure"}
