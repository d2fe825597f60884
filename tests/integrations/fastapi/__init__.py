import pytest

pytest.importorskip("fastapi")
pytest.importorskip("statsmix_starlette")
