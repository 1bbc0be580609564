"""The migration operation that creates (and, reversed, drops) a `FullTextIndex`."""

from typing import Any

from django.db.migrations.operations.base import Operation

from picocore.core.fulltext.index import FullTextIndex


class CreateFullTextIndex(Operation):
    """Create the full-text index of `columns` of `table` (another of the table's indexes when it has a `name`) and
    fill it from the rows there (see `FullTextIndex`); nothing on a database that is neither SQLite nor
    PostgreSQL. Changes no model state."""

    reversible = True

    def __init__(self, table: str, columns: list[str], name: str = "") -> None:
        self.table, self.columns, self.name = table, list(columns), name

    @property
    def index(self) -> FullTextIndex:
        return FullTextIndex(table=self.table, columns=tuple(self.columns), name=self.name)

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        kwargs: dict[str, Any] = {"table": self.table, "columns": self.columns}
        if self.name:
            kwargs["name"] = self.name
        return self.__class__.__name__, [], kwargs

    def state_forwards(self, app_label: str, state: Any) -> None:
        pass

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        for statement in self.index.forwards(schema_editor.connection.vendor):
            schema_editor.execute(statement)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        for statement in self.index.backwards(schema_editor.connection.vendor):
            schema_editor.execute(statement)

    def describe(self) -> str:
        named = f" {self.name}" if self.name else ""
        return f"Create the full-text index{named} of {self.table} ({', '.join(self.columns)})"
