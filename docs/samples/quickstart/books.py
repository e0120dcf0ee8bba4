from quart import Quart, abort, request

app = Quart(__name__)

BOOKS = {1: "Dune", 2: "Emma"}


@app.route("/")
async def index():
    return "Hello, World!"


@app.get("/books/<int:book_id>")
async def book(book_id):
    if book_id not in BOOKS:
        abort(404)
    return {"id": book_id, "title": BOOKS[book_id]}


@app.post("/echo")
async def echo():
    data = await request.get_json()
    return {"you_sent": data}


@app.get("/search")
async def search():
    term = request.args.get("q", "")
    return {"term": term}, 200, {"Cache-Control": "no-store"}


if __name__ == "__main__":
    app.run()
