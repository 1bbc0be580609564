from tests.problems.support import problem_world_once, pw  # noqa: F401 (fixtures)
