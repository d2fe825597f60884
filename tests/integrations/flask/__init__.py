import pytest

pytest.importorskip("flask")
pytest.importorskip("statsmix_flask")
