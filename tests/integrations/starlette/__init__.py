import pytest

pytest.importorskip("starlette")
pytest.importorskip("statsmix_starlette")
