"""The local llama.cpp model as ragloom loads it."""

from __future__ import annotations

import pytest

from ragloom.providers.chat.local_llama import LlamaGenerator, local_chat_available, packaged_gguf

pytestmark = pytest.mark.skipif(not local_chat_available(), reason="the local extra is not installed")


def test_the_model_loads_without_llama_cpp_s_extra_buffer_types() -> None:
    # AMX-advertising CPUs that cannot run AMX die with SIGILL in those code paths.
    path = packaged_gguf()
    assert path is not None
    generator = LlamaGenerator(path, threads=1, context_window=512)
    try:
        assert generator.extra_buffer_types is False
        pieces = list(generator.generate([{"role": "user", "content": "Say hi."}], {"max_tokens": 4}, lambda: False))
        assert "".join(pieces).strip()
    finally:
        generator.close()
