"""Response headers that keep the dashboard's pages safe to open anywhere."""

from __future__ import annotations

__all__ = ["API_HEADERS", "page_headers"]

# No inline script or style anywhere: every script is a file under /static
# and data reaches it through data-* attributes or JSON fetched from 'self'.
_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors {ancestors}"
)

#: Headers of the JSON data endpoints: never cached, never sniffed as HTML.
API_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def page_headers(*, frameable: bool = False) -> dict[str, str]:
    """Return the security headers of an HTML page.

    Args:
        frameable: True only for the embed views, which exist to be put in an
            iframe on another site; every other page refuses to be framed.
    """
    headers = {
        **API_HEADERS,
        "Content-Security-Policy": _POLICY.format(
            ancestors="*" if frameable else "'none'"
        ),
    }
    if not frameable:
        headers["X-Frame-Options"] = "DENY"
    return headers
