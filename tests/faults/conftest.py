from tests.workflows.conftest import webhook_receiver  # noqa: F401 (shared fixture)
