"""The command linter: a table of docker run / vllm serve lines -> the codes and statuses it reports."""

import pytest

from doctor.diagnose.commands import parse_docker_run, parse_vllm_serve, words
from doctor.diagnose.extract import Paste, extract
from doctor.diagnose.lint_commands import lint, shm_bytes
from doctor.model import FAIL, WARN

GUIDE = ("docker run --rm --name vllm-ascend --shm-size=1g --net=host "
         "--device /dev/davinci0 --device /dev/davinci1 "
         "--device /dev/davinci_manager --device /dev/devmm_svm --device /dev/hisi_hdc "
         "-v /usr/local/dcmi:/usr/local/dcmi -v /usr/local/bin/npu-smi:/usr/local/bin/npu-smi "
         "-v /usr/local/Ascend/driver/lib64/:/usr/local/Ascend/driver/lib64/ "
         "-v /usr/local/Ascend/driver/version.info:/usr/local/Ascend/driver/version.info "
         "-v /etc/ascend_install.info:/etc/ascend_install.info "
         "-v /root/.cache:/root/.cache -p 8000:8000 -it quay.io/ascend/vllm-ascend:v0.11.0rc0 bash")


def codes(text: str) -> dict[str, str]:
    return {d.code: d.status for d in lint(extract(Paste(text)))}


@pytest.mark.parametrize("paste, expected", [
    (GUIDE, {}),
    (GUIDE + "\nvllm serve Qwen/Qwen3-8B --tensor-parallel-size 2", {}),
    (GUIDE + "\nvllm serve Qwen/Qwen3-8B --tensor-parallel-size 4", {"CMD007": FAIL}),
    (GUIDE.replace("--device /dev/davinci_manager ", ""), {"CMD002": FAIL}),
    (GUIDE.replace("--device /dev/davinci0 --device /dev/davinci1 ", ""), {"CMD001": FAIL}),
    (GUIDE.replace("-v /usr/local/Ascend/driver/lib64/:/usr/local/Ascend/driver/lib64/ ", ""), {"CMD003": FAIL}),
    (GUIDE.replace("-v /etc/ascend_install.info:/etc/ascend_install.info ", ""), {"CMD003": WARN}),
    (GUIDE.replace("--shm-size=1g ", ""), {"CMD008": WARN}),
    (GUIDE.replace("--shm-size=1g ", "") + "\nvllm serve m -tp 2", {"CMD008": FAIL}),
    (GUIDE.replace("--shm-size=1g ", "--ipc=host "), {}),
    (GUIDE.replace("--net=host ", "") + "\nvllm serve m --tensor-parallel-size 2", {"CMD009": WARN}),
    (GUIDE.replace("--rm ", "--rm -e ASCEND_RT_VISIBLE_DEVICES=4,5 "), {"CMD006": FAIL}),
    (GUIDE.replace("--rm ", "--rm -e ASCEND_RT_VISIBLE_DEVICES=0,1 "), {}),
    (GUIDE.replace("--rm ", "--rm --privileged "), {"CMD005": WARN}),
    (GUIDE.replace("--rm ", "--rm -u 1000:1000 "), {"CMD010": WARN}),
    (GUIDE + "\nvllm serve m --tensor-parallel-size 2 --kv-transfer-config '{\"kv_role\": \"kv_producer\"}'",
     {"CMD004": FAIL}),
    (GUIDE.replace("--net=host ", "") + "\nvllm serve m -tp 2 --data-parallel-address 10.0.0.1 --headless",
     {"CMD004": FAIL, "CMD009": FAIL}),
], ids=["guide", "tp2-fits", "tp4-on-2", "no-manager", "no-chip", "no-driver-libs", "no-install-info",
        "no-shm", "no-shm-tp2", "ipc-host", "bridge-tp2", "host-numbers", "container-numbers", "privileged",
        "uid-1000", "disaggregated-no-hccn", "multi-node-bridge"])
def test_rules(paste, expected):
    assert codes(paste) == expected


def test_unresolved_device_variable_is_not_judged_but_a_typo_is_named():
    found = lint(extract(Paste("docker run --rm --device $DEVICE --device /dev/dav_manager --device /dev/devmm_svm "
                               "--device /dev/hisi_hdc -v /usr/local/Ascend/driver:/usr/local/Ascend/driver "
                               "--shm-size 2g -it $IMAGE bash")))
    by_code = {d.code: d for d in found}
    assert "CMD001" not in by_code and by_code["CMD003"].status == WARN   # lib64 under the whole driver dir
    assert "/dev/dav_manager" in by_code["CMD002"].summary and "typo" in by_code["CMD002"].summary


def test_docker_run_options_image_and_command():
    run = parse_docker_run("sudo docker run -itd --name x -e A=1 -v/a:/b --device=/dev/davinci3 img:1 vllm serve m")
    assert run.image == "img:1" and run.command == ["vllm", "serve", "m"]
    assert run.env == {"A": "1"} and run.devices == ["/dev/davinci3"] and run.mounts == [("/a", "/b")]


def test_vllm_serve_sizes():
    serve = parse_vllm_serve("vllm serve /models/q --tensor-parallel-size=4 --pipeline-parallel-size 2 "
                             "--data-parallel-size-local 1 --enforce-eager")
    assert (serve.model, serve.npus, serve.options["--enforce-eager"]) == ("/models/q", 8, None)


def test_unbalanced_quotes_fall_back_to_spaces():
    assert words("docker run 'oops --device /dev/davinci0 img")[-1] == "img"


@pytest.mark.parametrize("value, size", [("1g", 1024 ** 3), ("512m", 512 * 1024 ** 2), ("16GB", 16 * 1024 ** 3),
                                         ("1073741824", 1024 ** 3), ("lots", None)])
def test_shm_sizes(value, size):
    assert shm_bytes(value) == size
