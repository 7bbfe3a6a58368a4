"""Document writes, one module per use case (docs/architecture.md)."""
