from tests.knowledge.support import knowledge_world_once, kw  # noqa: F401 (fixtures)
