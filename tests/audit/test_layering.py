"""The access log sits below the patient record and the web layer (pyproject.toml's layers
contract, checked by lint-imports): everything that shows a patient writes the log, so the
log may not import them back. The log review lives above both, in hemma.logreview."""

import grimp
import pytest

# What hemma.audit may import from Hemma; Django and the standard library are not in the graph.
ALLOWED = {"hemma.audit", "hemma.accounts", "hemma.errors", "hemma.clinical"}


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("hemma", cache_dir=None)


def _app(module: str) -> str:
    return ".".join(module.split(".")[:2])


@pytest.mark.parametrize("above", ["hemma.patients", "hemma.web", "hemma.logreview"])
def test_the_access_log_imports_nothing_above_it(graph, above):
    chain = graph.find_shortest_chain(importer="hemma.audit", imported=above, as_packages=True)
    assert chain is None, " -> ".join(chain)


def test_the_access_log_imports_only_accounts_errors_and_clinical(graph):
    modules = {"hemma.audit"} | graph.find_descendants("hemma.audit")
    imported = {
        _app(target)
        for module in modules
        for target in graph.find_modules_directly_imported_by(module)
    }
    assert imported <= ALLOWED, sorted(imported - ALLOWED)


def test_the_log_review_sits_above_the_patient_record(graph):
    # The check above would pass vacuously if the graph missed these imports.
    for below in ("hemma.patients", "hemma.audit", "hemma.web"):
        assert graph.find_shortest_chain(
            importer="hemma.logreview", imported=below, as_packages=True
        )
    assert graph.find_shortest_chain(
        importer="hemma.patients", imported="hemma.audit", as_packages=True
    )
