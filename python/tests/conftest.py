import json
import os

import pytest

HERE = os.path.dirname(__file__)


@pytest.fixture(scope="session")
def reference():
    """micrograd's own numbers (tools/python/micrograd_reference.py made this file)."""
    with open(os.path.join(HERE, "micrograd_reference.json")) as f:
        return json.load(f)
