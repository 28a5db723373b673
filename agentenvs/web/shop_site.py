"""The web shop as a site: server-rendered HTML pages over one :class:`~agentenvs.shop.ShopSession` per visit.

The pages are WebShop's (search, results, item, description, features, done), rendered from the
shared session, so the web shop searches, pages and scores exactly as TextShop does. Every button
is a real link or form: ``GET search?q=...`` runs a search, ``GET click?b=<button>`` presses a
button of the current page and ``POST click`` with ``b=buy now`` buys. Both answer with the page
the session is on afterwards.
"""
from __future__ import annotations

from html import escape
from urllib.parse import quote

from ..shop import BACK_TO_SEARCH, BUY_NOW, NEXT_PAGE, PREV_PAGE, ShopSession

_HEAD = ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>'
         '<link rel="stylesheet" href="/site.css"></head><body><div id="wrap" class="shop">'
         '<div id="query">{instruction}</div><div id="task">')
_TAIL = '</div></div><script src="/core.js"></script></body></html>'


def handle(session: ShopSession, sid: str, path: list[str], query: dict[str, str]) -> tuple[int, str, str | None]:
    """Run the request ``path`` (after ``/shop/<sid>/``) with ``query`` on ``session``: status, HTML, redirect."""
    action = path[0] if path else ""
    if action == "search":
        session.search(query.get("q", "").strip())
    elif action == "click":
        session.click(query.get("b", "").strip().lower())
    elif action:
        return 404, "no such page", None
    return 200, render(session, sid), None


def _link(sid: str, button: str, label: str | None = None) -> str:
    return f'<a href="/shop/{sid}/click?b={quote(button)}">{escape(label or button)}</a>'


def render(session: ShopSession, sid: str) -> str:
    """The HTML of the page ``session`` is on."""
    body = []
    page = session.page
    if page == "search":
        body.append(f'<h1>Shop</h1><form action="/shop/{sid}/search" method="get">'
                    '<input type="search" name="q" id="q" placeholder="search">'
                    '<button type="submit">Search</button></form>')
    elif page == "done":
        score = session.purchase.reward if session.purchase else 0.0
        body.append(f"<h1>Thank you for shopping with us!</h1><p>Your score (min 0.0, max 1.0): {score:.3f}</p>")
    else:
        body.append(f"<div>{_link(sid, BACK_TO_SEARCH, 'Back to Search')}</div>")
    if page == "results":
        body.append(f"<p>Page {session.page_number} (Total results: {len(session.results)})</p><div>")
        buttons = session.clickables()
        body += [_link(sid, b, b.capitalize()) + " " for b in (PREV_PAGE, NEXT_PAGE) if b in buttons]
        body.append('</div><ul class="results">')
        for index in session.page_results():
            item = session.catalogue.product(index)
            body.append(f'<li class="item">{_link(sid, item.asin)} {escape(item.title)} '
                        f"<span>${item.price:.2f}</span></li>")
        body.append("</ul>")
    product = session.product
    if page in ("item", "description", "features") and product is not None:
        body.append(f"<div>{_link(sid, PREV_PAGE, '< Prev')}</div>")
        if page == "item":
            for kind, values in product.options.items():
                chosen = session.chosen.get(kind)
                links = " ".join(_link(sid, v).replace("<a ", '<a class="chosen" ' if v == chosen else "<a ", 1)
                                 + (" (chosen)" if v == chosen else "") for v in values)
                body.append(f'<div class="options"><span>{escape(kind)}:</span> {links}</div>')
            body.append(f"<h1>{escape(product.title)}</h1><p>Price: ${product.price:.2f}</p><p>Rating: N.A.</p>"
                        f"<div>{_link(sid, 'description', 'Description')} {_link(sid, 'features', 'Features')}</div>"
                        f'<form action="/shop/{sid}/click" method="post"><input type="hidden" name="b" '
                        f'value="{BUY_NOW}"><button type="submit">Buy Now</button></form>')
        elif page == "description":
            body.append(f"<p>{escape(product.description)}</p>")
        else:
            body.append("<ul>" + "".join(f"<li>{escape(b)}</li>" for b in product.bullets) + "</ul>")
    return _HEAD.format(instruction=escape(session.goal.text)) + "".join(body) + _TAIL
