"""The production settings without the API's rate limits (bench/api.py only): what the per-request count in
the database (picocore/api/throttling.py) costs is the difference to the same API with them."""

from picocore.config.settings import *  # noqa: F403
from picocore.config.settings import REST_FRAMEWORK

REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}
