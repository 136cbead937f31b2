"""Qt table models over row DTOs (app.queries), one per table, shaped like Vorta's archive table model."""
