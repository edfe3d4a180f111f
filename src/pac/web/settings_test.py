"""Settings for the test suite: the app's settings, with background tasks run at once (so a test sees
an import's result when its request returns) and fast password hashing."""

import os

os.environ.setdefault("PAC_TASKS", "immediate")

from pac.web.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
