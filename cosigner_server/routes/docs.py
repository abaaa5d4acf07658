"""/docs: the OpenAPI document as a page, from files in the package (no CDN, no third-party
script). The page's Content-Security-Policy allows scripts, styles and fetches from this server
only; every other answer keeps the API's `default-src 'none'`."""

from __future__ import annotations

from functools import cache
from importlib import resources

from aiohttp import web

from app.protocol import routes as paths

routes = web.RouteTableDef()

DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


@cache
def _asset(name: str) -> bytes:
    return resources.files("cosigner_server").joinpath("static", name).read_bytes()


def _answer(name: str, content_type: str) -> web.Response:
    return web.Response(
        body=_asset(name),
        headers={"Content-Type": content_type, "Content-Security-Policy": DOCS_CSP},
    )


@routes.get(paths.DOCS)
async def docs_page(request: web.Request) -> web.Response:
    return _answer("docs.html", "text/html; charset=utf-8")


@routes.get(paths.DOCS_SCRIPT)
async def docs_script(request: web.Request) -> web.Response:
    return _answer("viewer.js", "text/javascript; charset=utf-8")


@routes.get(paths.DOCS_STYLE)
async def docs_style(request: web.Request) -> web.Response:
    return _answer("viewer.css", "text/css; charset=utf-8")
