from tests.workflows.conftest import cast, webhook_receiver  # noqa: F401 (shared fixtures)
