"""Pictures and traces: well-formed SVG and HTML, the right numbers, text in a terminal."""

import xml.etree.ElementTree as ET

import pytest

import tapegrad
from tapegrad import Value

SVG = "{http://www.w3.org/2000/svg}svg"


def neuron():
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    return x1, w1, (x1 * w1 + x2 * w2 + b).tanh()


def test_value_draws_its_own_graph_as_well_formed_svg():
    _ = Value(5.0) * 3  # other work on the same tape is not drawn
    x1, w1, o = neuron()
    svg = o._repr_svg_()
    assert svg == o.draw()
    root = ET.fromstring(svg)
    assert root.tag == SVG
    text = "".join(root.itertext())
    for label in ["x1", "x2", "w1", "w2", "b", "tanh"]:
        assert label in text
    # 5 leaves, 2 products, 2 sums, tanh: one box (a `shape` element) per node.
    assert svg.count('class="shape"') == 10
    # The picture shows ∂o/∂node. At micrograd's lecture numbers o = tanh(0.8814) = 1/√2, so
    # 1 − o² = 0.5: ∂o/∂x1 = 0.5·w1 = −1.5, ∂o/∂w1 = 0.5·x1 = 1, ∂o/∂w2 = 0.5·x2 = 0.
    shown = [t.strip() for t in root.itertext() if t.strip().startswith("grad ")]
    assert shown == ["grad -1.5", "grad 1", "grad 0.5", "grad 0.5", "grad 0", "grad 0.5",
                     "grad 0.5", "grad 0.5", "grad 0.5", "grad 1"]


def test_too_large_a_graph_is_refused_by_draw_and_left_out_of_jupyter():
    x = Value(1.0)
    y = x
    for _ in range(3000):
        y = y + x
    assert y._repr_svg_() is None
    with pytest.raises(ValueError, match="more than"):
        y.draw()


def test_trace_text_and_html():
    x = Value(3.0, label="x")
    y = x * x
    t = tapegrad.trace(y)
    s = str(t)
    assert "Backward pass" in s and "∂(a·b)/∂a = b = 3" in s
    assert "+" in t.text(ascii=True) and "┌" not in t.text(ascii=True)
    html = t._repr_html_()
    root = ET.fromstring(html)  # well-formed (XHTML-compatible) markup
    assert root.tag == "div"
    tables = root.findall("table")
    assert [tb.find("caption").text for tb in tables] == ["forward", "backward from n1", "gradients"]
    rows = tables[1].find("tbody").findall("tr")
    assert [td.text for td in rows[1].findall("td")][-1] == "6"  # ∂(x·x)/∂x accumulated = 2x
    grads = tables[2].find("tbody").findall("tr")
    assert [td.text for td in grads[0].findall("td")] == ["n0", "x", "3", "6"]
    assert t.json["gradients"][0]["grad"] == 6.0
    assert "|" in t.markdown()


def test_trace_escapes_labels():
    x = Value(1.0, label="<x&y>")
    html = tapegrad.trace(x * 2)._repr_html_()
    ET.fromstring(html)
    assert "&lt;x&amp;y&gt;" in html
