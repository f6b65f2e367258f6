from guanxi.formats.common import *  # noqa: F403 (one set of formats for every language)
