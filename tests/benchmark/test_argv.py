"""bench_argv: the flags vLLM 0.32's `vllm bench serve --help=all` lists, for one level."""

from doctor.benchmark.argv import bench_argv
from doctor.benchmark.settings import BenchSettings


def argv(**settings):
    return bench_argv(BenchSettings.from_mapping(settings), base_url="http://127.0.0.1:8000", model="tiny",
                      tokenizer="/data/models/tiny", concurrency=4, result_dir="/tmp/r", result_filename="c4.json")


def test_the_random_dataset_at_one_level():
    assert argv(input_len=32, output_len=16, num_prompts=8) == [
        "bench", "serve", "--backend", "openai", "--base-url", "http://127.0.0.1:8000", "--model", "tiny",
        "--tokenizer", "/data/models/tiny", "--dataset-name", "random", "--random-input-len", "32",
        "--random-output-len", "16", "--ignore-eos", "--num-prompts", "8", "--max-concurrency", "4",
        "--percentile-metrics", "ttft,tpot,itl,e2el", "--metric-percentiles", "50,99", "--disable-tqdm",
        "--save-result", "--result-dir", "/tmp/r", "--result-filename", "c4.json"]


def test_a_finite_request_rate_is_passed_and_inf_is_left_to_vllm():
    assert argv(request_rate=2.5)[argv(request_rate=2.5).index("--request-rate") + 1] == "2.5"
    assert "--request-rate" not in argv()


def test_sharegpt_names_its_file_and_fixes_output_lengths_only_when_asked():
    plain = argv(dataset="sharegpt", dataset_path="/data/sg.json")
    assert plain[plain.index("--dataset-name"):plain.index("--num-prompts")] == [
        "--dataset-name", "sharegpt", "--dataset-path", "/data/sg.json"]
    fixed = argv(dataset="sharegpt", dataset_path="/data/sg.json", output_len=64)
    assert fixed[fixed.index("--sharegpt-output-len") + 1] == "64"


def test_no_tokenizer_leaves_vllm_to_use_the_model_name():
    args = bench_argv(BenchSettings(), base_url="u", model="m", tokenizer=None, concurrency=1,
                      result_dir="d", result_filename="f")
    assert "--tokenizer" not in args
