"""Shared fixtures: one full demo study run reused by the workflow tests."""

import pytest

from tests.helpers.workflow import copy_project, snakemake


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """A temporary copy of the project after a complete ``snakemake`` run on the demo."""
    workdir = copy_project(tmp_path_factory.mktemp("demo"))
    snakemake(workdir)
    return workdir
