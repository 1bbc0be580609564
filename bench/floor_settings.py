"""The production settings with the floor views in front of the application's URLs (bench/floor.py only)."""

from picocore.config.settings import *  # noqa: F403

ROOT_URLCONF = "floor_views"
