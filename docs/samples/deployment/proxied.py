from quart import Quart, request, url_for
from quart.proxy_fix import ProxyFix

app = Quart(__name__)
# One proxy (nginx, say) in front sets X-Forwarded-For, -Proto, -Host and -Prefix.
app.asgi_app = ProxyFix(app.asgi_app, x_for=1, x_proto=1, x_host=1, x_prefix=1)


@app.route("/whoami")
async def whoami():
    return {
        "client": request.remote_addr,
        "url": request.url,
        "home": url_for("whoami", _external=True),
    }
