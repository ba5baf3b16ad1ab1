from tests.ledger.world import accountant, books, clerk, enterprise  # noqa: F401 (fixtures)
