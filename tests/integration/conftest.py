"""Fixtures: one shared stack for read-only tests, fresh ones for tests that
kill, stop or reconfigure it. Every stack's application log is checked for
sanitizer reports when it stops (make test SAN=1)."""

import os
import shutil
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from stack import Stack  # noqa: E402


def _finish(stack):
    stack.stop()
    reports = stack.sanitizer_reports()
    if not reports:
        shutil.rmtree(stack.var, ignore_errors=True)
    assert not reports, "sanitizer reports in %s:\n%s" % (stack.log, "\n".join(reports[:20]))


@pytest.fixture(scope="session")
def stack():
    s = Stack().start()
    yield s
    _finish(s)


def _stacks():
    """A factory of private instances, and their clean-up."""
    made = []

    def make(conf_extra="", start=True):
        s = Stack(conf_extra=conf_extra)
        made.append(s)
        return s.start() if start else s

    yield make
    for s in made:
        _finish(s)


@pytest.fixture
def new_stack():
    """new_stack(conf_extra="...") starts a private instance for one test."""
    yield from _stacks()


@pytest.fixture(scope="module")
def new_stack_module():
    """Like new_stack, shared by the tests of one module."""
    yield from _stacks()
