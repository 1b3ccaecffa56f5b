"""The paste splitter: encodings, wrappers, escape codes, and each kind of piece found where it is."""

import pytest

from doctor.diagnose.extract import Paste, extract
from doctor.diagnose.paste import PasteError, decode_paste
from tests.support.check_table import fixture

A2_TABLE = fixture("npu-smi-info/blog-800IA2-910B4-x8-25.0.rc1.1.txt")


def found_in(text: str):
    return extract(Paste(decode_paste(text.encode())[0]))


def test_gbk_log_is_read_as_gbk():
    text, encoding = decode_paste("错误：设备被占用 ret is -8005\n".encode("gbk"))
    assert encoding == "gbk" and "设备被占用" in text


def test_utf16_with_bom_is_read():
    text, encoding = decode_paste("\ufeffret is -8005\r\n".encode("utf-16-le"))
    assert encoding == "utf-16-le" and text == "ret is -8005\n"


@pytest.mark.parametrize("raw, says", [(b"\x1f\x8b\x08\x00rest", "gzip"), (b"\x7fELF\x02\x01", "ELF"),
                                        (b"abc\x00\x00\x00\x00def" * 10, "binary")])
def test_binary_is_refused_with_what_it_is(raw, says):
    with pytest.raises(PasteError, match=says):
        decode_paste(raw)


def test_escape_codes_crlf_and_details_are_cleaned():
    raw = b"<details><summary>log</summary>\r\n\x1b[31mERROR\x1b[0m ret is -8005\r\n</details>\r\n"
    text, _ = decode_paste(raw)
    assert text == "log\nERROR ret is -8005\n\n"


def test_npu_smi_table_inside_a_fence_is_cut_out_whole():
    found = found_in(f"Here is my env\n```\n{A2_TABLE}```\nthanks")
    assert len(found.npu_smi) == 1
    table = found.npu_smi[0].text
    assert table.startswith("+") and table.rstrip().endswith("+") and found.npu_smi[0].line == 3


def test_multi_line_docker_run_with_variables_is_joined():
    found = found_in("$ docker run --rm \\\n  --device /dev/davinci0 \\\n  -v /a:/b \\\n  -it $IMAGE bash\nnext")
    assert found.docker_run[0].text.split() == ["docker", "run", "--rm", "--device", "/dev/davinci0", "-v", "/a:/b",
                                                "-it", "$IMAGE", "bash"]


def test_vllm_serve_and_python_module_forms():
    found = found_in("vllm serve Qwen/Qwen3-8B --tensor-parallel-size 2\n"
                     "python3 -m vllm.entrypoints.openai.api_server --model m\n")
    assert [p.line for p in found.vllm_serve] == [1, 2]


def test_traceback_ends_at_its_exception_line_even_with_log_prefixes():
    log = ("(Worker pid=1) ERROR x Traceback (most recent call last):\n"
           "(Worker pid=1) ERROR x   File \"a.py\", line 1, in f\n"
           "(Worker pid=1) ERROR x     g()\n"
           "(Worker pid=1) ERROR x RuntimeError: boom\n")
    assert [p.text for p in found_in(log).tracebacks] == ["RuntimeError: boom"]


def test_versions_packages_and_environment():
    paste = ("Version=23.0.7\nascendhal_version=7.35.19\ncompatible_version_fw=[7.0.0,7.1.99]\n\n"
             "torch-npu                         2.5.1\nvllm_ascend==0.9.0rc2\n"
             "export PYTORCH_NPU_ALLOC_CONF=expandable_segments:True\n")
    found = found_in(paste)
    assert found.driver_info[0].text.startswith("Version=23.0.7")
    assert {k: p.text for k, p in found.packages.items()} == {"torch-npu": "2.5.1", "vllm-ascend": "0.9.0rc2"}
    assert found.env["PYTORCH_NPU_ALLOC_CONF"].text == "expandable_segments:True"


def test_a_truncated_table_is_still_a_piece():
    cut = "\n".join(A2_TABLE.splitlines()[:9])
    assert found_in(cut).npu_smi


def test_line_start_pieces_on_the_first_and_adjacent_lines_keep_their_line_numbers():
    found = found_in("ASCEND_RT_VISIBLE_DEVICES=0,1\nHCCL_IF_IP=1.2.3.4\ntorch 2.5.1\nnumpy==1.26.4\n"
                     "podman run -it img\ndocker run --rm img\n")
    assert found.env["ASCEND_RT_VISIBLE_DEVICES"].line == 1 and found.env["HCCL_IF_IP"].line == 2
    assert (found.packages["torch"].line, found.packages["numpy"].text) == (3, "1.26.4")
    assert [(p.line, p.text) for p in found.docker_run] == [(5, "podman run -it img"), (6, "docker run --rm img")]
