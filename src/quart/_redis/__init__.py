"""Everything that talks to Redis, behind the optional ``quart[redis]`` extra.

* :mod:`.client` is the one place that imports redis-py and makes clients;
* :mod:`.channels` is the Redis backend of :mod:`quart.channels`.

The Redis session interface is public, as :mod:`quart.sessions_redis`.
"""
