"""leads.feature: the directive as executable Gherkin (steps in tests/bdd/conftest.py)."""

from pytest_bdd import scenarios

scenarios("leads.feature")
