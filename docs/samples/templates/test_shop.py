from quart import get_template_attribute

from shop import app


async def test_shop_page():
    response = await app.test_client().get("/shop")
    html = await response.get_data(as_text=True)
    assert "<h1>CORNER SHOP!</h1>" in html
    assert "Scones &lt;fresh&gt;" in html  # autoescaped
    assert "2 items in your basket" in html
    assert '<a href="/shop?page=2">' in html


async def test_streamed_report():
    response = await app.test_client().get("/report")
    html = await response.get_data(as_text=True)
    assert "row 2 for /report" in html


async def test_macro():
    async with app.app_context():
        price = get_template_attribute("_macros.html", "price")
        assert str(await price(3)) == "£3.00"
