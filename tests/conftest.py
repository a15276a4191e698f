"""Fixtures shared by the bulk-processing tests."""

import pytest

from tests.fakes import FakeCoder


@pytest.fixture
def coder() -> FakeCoder:
    return FakeCoder()
