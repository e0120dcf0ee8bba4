# Two config lines make an app behave the same on 1 worker or 40 on several
# machines, all sharing one Redis.
CHANNELS_URL = "redis://redis.internal:6379/0"  # channels, SSE feeds
SESSION_TYPE = "redis"  # server-side sessions
SESSION_REDIS = "redis://redis.internal:6379/1"
SECRET_KEY = "the same on every worker"  # signs the session ids
