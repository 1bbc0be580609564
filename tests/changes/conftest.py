from tests.changes.support import change_world_once, cw  # noqa: F401 (fixtures)
