"""Settings read from the environment, once, when the app is made."""

import os

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INSTANCE_PATH = os.path.join(PROJECT_ROOT, "instance")

TRUE_WORDS = {"1", "t", "true", "yes", "on"}
FALSE_WORDS = {"0", "f", "false", "no", "off"}


class ConfigError(RuntimeError):
    """A setting in the environment cannot be used; the message names it."""


def database_url(environ):
    """DATABASE_URL, or an SQLite file in the instance folder."""
    url = environ.get("DATABASE_URL", "").strip()
    if url:
        return url
    return "sqlite:///" + os.path.join(INSTANCE_PATH, "registry.db")


def env_bool(environ, name, default):
    raw = environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigError(f"{name}={raw!r} is not a boolean (use true or false)")


LOG_LEVELS = ("debug", "info", "warning", "error")


def log_level(environ):
    word = environ.get("LOG_LEVEL", "info").strip().lower()
    if word not in LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL={word!r} is not one of {', '.join(LOG_LEVELS)}")
    return word.upper()


def load_config(environ=None):
    environ = os.environ if environ is None else environ
    return {
        "DATABASE_URL": database_url(environ),
        "ACL_ENABLED": env_bool(environ, "ACL_ENABLED", True),
        "LOG_LEVEL": log_level(environ),
        # Bodies above this are refused with 413 before they are read.
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        # Nomad answers OPTIONS with 405 like any other method it lacks.
        "PROVIDE_AUTOMATIC_OPTIONS": False,
    }
