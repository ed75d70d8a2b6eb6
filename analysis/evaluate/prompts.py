"""What the model is asked and where its answer ends: prompts, stop rules, answer extraction.

The prompt is the sample's user turn (:func:`symbolcollection.chat.user_content`, the same text the
trainer and the extractor see) rendered with the checkpoint's own chat template and its generation
prompt. A tokenizer without a chat template gets :data:`PLAIN_FORMAT` instead; the result file
states which format each checkpoint was given.

A generation ends at EOS, at the end of a closed Markdown code fence, or at the family's end
marker (a blank line for the one-line families). The answer is the content of the first fenced
block when there is one, else the text before the end marker, stripped.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from symbolcollection.chat import user_content
from symbolcollection.schema import Sample

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

CHAT = "chat-template"
PLAIN = "plain"
#: The prompt of a checkpoint without a chat template (``{request}`` is the user turn).
PLAIN_FORMAT = "### Instruction:\n{request}\n\n### Response:\n"
FENCE = "```"
_FENCED = re.compile(r"```[^\n`]*\n(.*?)(?:```|$)", re.S)


def prompt_format(tokenizer: PreTrainedTokenizerBase) -> str:
    """:data:`CHAT` when the tokenizer has a chat template, else :data:`PLAIN`."""
    return CHAT if getattr(tokenizer, "chat_template", None) else PLAIN


def prompt_text(tokenizer: PreTrainedTokenizerBase, sample: Sample) -> str:
    """The text the model continues: the user turn through the chat template (or plain format)."""
    request = user_content(sample)
    if prompt_format(tokenizer) == PLAIN:
        return PLAIN_FORMAT.format(request=request)
    messages = [{"role": "user", "content": request}]
    return str(tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True))


def end_markers(family: str) -> tuple[str, ...]:
    """The strings that end an answer of ``family`` outside a code fence (EOS always does):
    :meth:`Family.end_markers <symbolcollection.family.Family.end_markers>`, none for an unknown one."""
    from symbolcollection import registry

    found = registry.find(family)
    return found.end_markers() if found is not None else ()


def finished(text: str, family: str) -> bool:
    """Whether generated ``text`` is complete: a closed code fence, or an end marker after content
    while no fence is open."""
    fences = text.count(FENCE)
    if fences >= 2:
        return True
    if fences == 1:
        return False
    stripped = text.lstrip()
    return any(m in stripped for m in end_markers(family))


def extract_answer(text: str, family: str) -> str:
    """The answer in a generation: the first fenced block's content, else the text up to the first
    end marker; stripped."""
    m = _FENCED.search(text)
    if m:
        return m.group(1).strip()
    body = text.lstrip()
    for marker in end_markers(family):
        cut = body.find(marker)
        if cut >= 0:
            body = body[:cut]
    return body.strip()
