from quart import Quart, render_template, stream_template

app = Quart(__name__)
app.config["SHOP_NAME"] = "Corner Shop"

ITEMS = [{"name": "Tea"}, {"name": "Scones <fresh>"}]


async def load_items():
    return ITEMS


@app.template_filter("shout")
def shout(text):
    return text.upper() + "!"


@app.context_processor
async def add_basket():
    return {"basket_size": 2}


@app.route("/shop")
async def shop():
    return await render_template("shop.html", items=await load_items())


@app.route("/report")
async def report():
    async def rows():
        for number in range(3):
            yield {"number": number}

    return await stream_template("report.html", rows=rows())
