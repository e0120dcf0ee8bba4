"""One short description per config key, for the configuration reference.

The reference (docs/configuration.md) lists every key of
``Quart.default_config`` with its default, taken from the package at build
time, and the text here. A key without a text fails the docs build and
``tests/test_docs.py``; so does a text for a key the app no longer has.
Write what the key does and, for limits, what a client gets past it.
"""

from __future__ import annotations

DESCRIPTIONS: dict[str, str] = {
    # -- Flask's keys --------------------------------------------------------------
    "DEBUG": """Debug mode: the traceback page for errors, DEBUG logging, templates
        reloaded, the reloader on with `quart run`. Left at `None`, `app.debug` reads
        the `QUART_DEBUG` environment variable. Never on in production.""",
    "TESTING": """Testing mode: as in debug mode, an unhandled error is propagated
        (the client gets the traceback page) instead of a plain 500. Set it in your
        test fixtures.""",
    "PROPAGATE_EXCEPTIONS": """Re-raise unhandled errors out of the app instead of
        logging them and answering 500. `None` means: on in debug and testing mode.""",
    "SECRET_KEY": """Signs the session cookie, flashed messages and server-side session
        ids. Without it the session reads as empty and writing to it raises.""",
    "SECRET_KEY_FALLBACKS": """Older secret keys, still accepted when reading a cookie;
        new cookies are signed with `SECRET_KEY` only. For rotating keys.""",
    "PERMANENT_SESSION_LIFETIME": """How long a permanent session lasts; also the
        oldest cookie signature accepted, and the expiry of Redis sessions.
        A `timedelta` or seconds.""",
    "USE_X_SENDFILE": """Kept for Flask compatibility; `X-Sendfile` is not supported,
        so this has no effect.""",
    "TRUSTED_HOSTS": """Host names the app answers to (a leading dot allows
        subdomains). Anything else gets 400. `None` accepts any host. Enforced,
        as in Flask 3.1 (Quart ignores it).""",
    "SERVER_NAME": """The host (and port) of the app. Needed to build external URLs
        outside a request and for subdomain routes; requests for other hosts are
        still served, with a warning.""",
    "APPLICATION_ROOT": """The path the app is mounted under, used when building URLs
        outside a request and as the default session cookie path.""",
    "SESSION_COOKIE_NAME": "The name of the session cookie.",
    "SESSION_COOKIE_DOMAIN": """The cookie's `Domain`. `None` leaves it out, so the
        cookie is only sent to the host that set it.""",
    "SESSION_COOKIE_PATH": "The cookie's `Path`. `None` uses `APPLICATION_ROOT`.",
    "SESSION_COOKIE_HTTPONLY": "Set `HttpOnly`, so page scripts cannot read the cookie.",
    "SESSION_COOKIE_SECURE": "Set `Secure`, so browsers send the cookie over HTTPS only.",
    "SESSION_COOKIE_PARTITIONED": "Set `Partitioned` (CHIPS); implies `Secure`.",
    "SESSION_COOKIE_SAMESITE": """The cookie's `SameSite`: `"Lax"`, `"Strict"`,
        `"None"`, or `None` to leave it out.""",
    "SESSION_REFRESH_EACH_REQUEST": """Send a permanent session's cookie on every
        request, which pushes its expiry forward. Off: only when the session changes.""",
    "MAX_CONTENT_LENGTH": """The largest request body, in bytes. Past it: 413, from
        `Content-Length` before reading, or while reading a chunked body. Set
        `request.max_content_length` in a hook or view for one request. `None`: no limit.""",
    "MAX_FORM_MEMORY_SIZE": """The largest non-file form field (or urlencoded body), in
        bytes. Past it: 413.""",
    "MAX_FORM_PARTS": "The most parts a multipart form may have. Past it: 413.",
    "SEND_FILE_MAX_AGE_DEFAULT": """`Cache-Control: max-age` for static files and
        `send_from_directory`. A `timedelta` or seconds; `None` sends `no-cache`.""",
    "TRAP_BAD_REQUEST_ERRORS": """Raise bad-request errors (a missing form key, say)
        instead of answering 400, so you see the traceback. `None`: on in debug mode.""",
    "TRAP_HTTP_EXCEPTIONS": """Raise every HTTP exception (`abort(404)` too) instead of
        answering with it. For debugging.""",
    "EXPLAIN_TEMPLATE_LOADING": """Kept for Flask compatibility: template loading is not
        explained in the log.""",
    "PREFERRED_URL_SCHEME": """Kept for Flask compatibility. Outside a request, use
        `PREFER_SECURE_URLS` to build `https` URLs.""",
    "TEMPLATES_AUTO_RELOAD": """Reload a template when its file changes. `None`: on in
        debug mode.""",
    "MAX_COOKIE_SIZE": """Cookies larger than this many bytes make Werkzeug warn when
        set. 0 turns the warning off.""",
    "PROVIDE_AUTOMATIC_OPTIONS": """Answer `OPTIONS` for every route that does not handle
        it itself.""",
    # -- Quart's keys ---------------------------------------------------------------
    "BODY_TIMEOUT": """Seconds a view may wait for the whole request body (`get_data`,
        `form`, `files`, `json`). Past it: 408. `None`: no limit.""",
    "RESPONSE_TIMEOUT": """Seconds to send a streamed response, first chunk to last;
        for files, seconds without the client reading. Past it the stream stops and the
        connection closes. `response.timeout` changes it per response.""",
    "BACKGROUND_TASK_SHUTDOWN_TIMEOUT": """Seconds shutdown waits for background tasks
        (`app.add_background_task`) before cancelling them.""",
    "PREFER_SECURE_URLS": """Build `https` (and `wss`) URLs outside a request, with
        `SERVER_NAME`.""",
    "PRESERVE_CONTEXT_ON_EXCEPTION": "Kept for Quart compatibility; has no effect.",
    "ENV": "Kept for Quart compatibility; has no effect. Use `DEBUG`.",
    "WEBSOCKET_MAX_MESSAGE_SIZE": """The largest websocket message received, in bytes.
        Past it the socket is closed with 1009.""",
    "WEBSOCKET_DISCONNECT_EXCEPTION": """Once a websocket is closed (the client left, say),
        `receive()` raises `quart.wrappers.WebsocketDisconnect` (with the code and
        reason) instead of cancelling the task, as Quart does. `websocket.close_code`
        has the code either way.""",
    # -- quart.channels ---------------------------------------------------------------
    "CHANNELS_URL": """Where `quart.channels` sends messages: `memory://` (this process)
        or a `redis://`, `rediss://` or `unix://` URL (every worker on every machine).""",
    "CHANNELS_SUBSCRIBER_QUEUE": """Messages queued per subscription before it
        overflows (see `CHANNELS_OVERFLOW`).""",
    "CHANNELS_OVERFLOW": """What a full subscription does: `"drop_oldest"` drops its
        oldest message (and counts it), `"error"` ends it with `SubscriberOverflow`.""",
    "CHANNELS_MAX_MESSAGE_SIZE": """The largest message `publish` accepts, in bytes
        (UTF-8 for text). Past it: `MessageTooLarge`, and nothing is sent.""",
    "CHANNELS_HISTORY_SIZE": """Messages kept per channel for
        `subscribe(..., history=N)`. 0 keeps none.""",
    "CHANNELS_KEY_PREFIX": "The prefix of every Redis key and channel the channels use.",
    # -- quart.sessions_redis ------------------------------------------------------------
    "SESSION_TYPE": """`"redis"` keeps sessions in Redis (read at startup); `None`
        keeps the signed-cookie session.""",
    "SESSION_REDIS": """The Redis for sessions: a URL or a `redis.asyncio.Redis`
        client.""",
    "SESSION_KEY_PREFIX": "The prefix of every session key in Redis.",
    "SESSION_PERMANENT": """Server-side sessions: give the cookie an expiry (it outlives
        the browser). Off: a browser-session cookie.""",
    # -- quart.compression ---------------------------------------------------------------
    "COMPRESS_ENABLED": """Compress responses for clients that accept it (`Accept-Encoding`):
        gzip, and brotli and zstd with `quart[compress]`. Read on every request.""",
    "COMPRESS_MIN_SIZE": """Bodies smaller than this many bytes (when their size is known)
        are sent uncompressed.""",
    "COMPRESS_LEVEL": """The compression level: `None` uses each algorithm's default
        (zstd 3, br 4, gzip 6); an integer applies to every algorithm; a dict such as
        `{"gzip": 9}` sets some (gzip 1-9, br 0-11, zstd 1-22).""",
    "COMPRESS_MIMETYPES": """The mimetypes compressed; `type/*` matches every subtype. By
        default text and the text-like formats (JSON, JavaScript, XML, SVG, wasm).""",
    "COMPRESS_ALGORITHMS": """The algorithms offered, in the server's order of preference
        (`"zstd"`, `"br"`, `"gzip"`); those whose package is missing are skipped. Also the
        precompressed siblings `send_file` looks for (`.zst`, `.br`, `.gz`).""",
}

#: The keys that limit what a client can make the app do, and what happens
#: past each limit: the Limits table of docs/configuration.md (the defaults
#: come from the app at build time).
LIMITS: dict[str, str] = {
    "MAX_CONTENT_LENGTH": """413, from `Content-Length` before reading, or while reading
        a chunked body""",
    "MAX_FORM_MEMORY_SIZE": "413 for a larger non-file form field or urlencoded body",
    "MAX_FORM_PARTS": "413 for more multipart parts",
    "BODY_TIMEOUT": "408 when reading the body takes longer",
    "RESPONSE_TIMEOUT": """sending stops and the connection closes (for files: that
        long without the client reading)""",
    "BACKGROUND_TASK_SHUTDOWN_TIMEOUT": "background tasks still running at shutdown are cancelled",
    "WEBSOCKET_MAX_MESSAGE_SIZE": "the websocket is closed with 1009",
    "CHANNELS_MAX_MESSAGE_SIZE": "`publish` raises `MessageTooLarge`",
    "CHANNELS_SUBSCRIBER_QUEUE": """the oldest message is dropped (or the subscription
        ends, see `CHANNELS_OVERFLOW`)""",
}
