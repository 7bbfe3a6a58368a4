"""gunicorn's logger with secrets taken out of every access and error line
(config/log_redaction.py): the access log's request line, query and Referer atoms, whatever
`access_log_format` picks, and "Error handling request <uri>" in the error log."""

from __future__ import annotations

from gunicorn.glogging import Logger

from config.log_redaction import SecretRedactionFilter


class RedactingLogger(Logger):
    def setup(self, cfg) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            if not any(isinstance(item, SecretRedactionFilter) for item in log.filters):
                log.addFilter(SecretRedactionFilter())
