from tests.workflows.conftest import cast, tasks_run_here, webhook_receiver  # noqa: F401 (shared fixtures)
