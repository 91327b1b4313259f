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


def test_a_json_schema_holds_the_model_to_it() -> None:
    """The built-in model answers JSON of the schema asked for (a grammar); remote payloads never carry it."""
    import json

    from ragloom.providers.chat import GenerationOptions
    from ragloom.providers.chat.local_llama import llama_settings

    schema = {"type": "object", "properties": {"colour": {"type": "string", "maxLength": 12}}, "required": ["colour"]}
    options = GenerationOptions(temperature=0.0, max_tokens=24, json_schema=schema)
    assert "json_schema" not in options.as_payload()
    settings = llama_settings(options)
    assert settings["response_format"] == {"type": "json_object", "schema": schema}
    path = packaged_gguf()
    assert path is not None
    generator = LlamaGenerator(path, threads=1, context_window=512)
    try:
        prompt = [{"role": "user", "content": "What colour is the sky?"}]
        answer = "".join(generator.generate(prompt, settings, lambda: False))
        assert set(json.loads(answer)) == {"colour"}
    finally:
        generator.close()
