"""Settings for the test suite: the app's settings, with background tasks run at once (so a test sees
an import's result when its request returns), fast password hashing and an in-memory cache."""

import os

os.environ.setdefault("PAC_TASKS", "immediate")

from pac.web.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# one process: the tests keep their cache in memory, not in the user's data folder
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
