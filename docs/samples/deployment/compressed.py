from quart import Quart

app = Quart(__name__)
app.config.update(
    COMPRESS_ENABLED=True,  # off by default
    COMPRESS_MIN_SIZE=500,  # bytes; smaller bodies are sent as they are
    COMPRESS_ALGORITHMS=["zstd", "br", "gzip"],  # server preference, installed ones only
)


@app.route("/report")
async def report():
    return {"rows": [{"id": n, "status": "ok"} for n in range(200)]}
