"""The UI finds a renderer for each kind of data ops hand it (fleetops.render.RENDERERS)."""

from __future__ import annotations

from importlib import import_module

import pytest

from fleetops.render import RENDERERS, renderer_for


@pytest.mark.parametrize("kind", sorted(RENDERERS))
def test_every_entry_names_a_real_type_and_renderer(kind):
    module, _, name = kind.rpartition(".")
    cls = getattr(import_module(module), name)  # a renamed or moved type fails here, not at run time
    target_module, _, function = RENDERERS[kind].partition(":")
    assert callable(getattr(import_module(target_module), function))
    assert f"{cls.__module__}.{cls.__qualname__}" == kind


def test_data_without_a_renderer_is_a_clear_error():
    with pytest.raises(TypeError, match="no renderer for builtins.dict"):
        renderer_for({})
