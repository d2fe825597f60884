"""The example blog on Starlette, tracked with StatsMix.

Run it against a local ``statsmix-server`` (``make demo`` does all of this)::

    STATSMIX_URL=http://127.0.0.1:8765 STATSMIX_API_KEY=... \\
        python -m examples.starlette_app --port 5001

The routes sit under a ``Mount``; their stats carry the full template as
declared, such as ``/api/posts/{post_id:int}``.
"""

from __future__ import annotations

from datetime import date

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route

from examples import _blog
from examples._serve import parse_port
from statsmix_middleware import Client, get_client, tracked
from statsmix_starlette import StatsMixMiddleware

__all__ = ["create_app", "main"]


def create_app(client: Client | None = None) -> Starlette:
    """The blog app; its stats go through ``client``, else the default client."""
    blog = _blog.Blog()

    def stats() -> Client:
        return client if client is not None else get_client()

    @tracked("Post Renders", timed=True, client=client)
    def render(post: _blog.Post) -> dict[str, object]:
        return blog.render(post)

    def find(request: Request) -> _blog.Post:
        post = blog.get(request.path_params["post_id"])
        if post is None:
            raise HTTPException(404, "no such post")
        return post

    async def list_posts(request: Request) -> Response:
        return JSONResponse([render(post) for post in blog.posts()])

    async def create_post(request: Request) -> Response:
        form = await request.json()
        title, author = form.get("title"), form.get("author")
        if not title or not author:
            return JSONResponse({"error": "title and author are required"}, 400)

        post = blog.add(str(title), str(author))
        stats().track("Blog Posts", meta={"author": post.author})
        return JSONResponse(render(post), 201)

    async def show_post(request: Request) -> Response:
        return JSONResponse(render(find(request)))

    async def export_post(request: Request) -> Response:
        post = find(request)
        # Unsupported formats raise: the request is recorded as a 500.
        body = blog.export(post, request.query_params.get("format", "md"))
        return PlainTextResponse(body)

    async def upload(request: Request) -> Response:
        async with request.form() as form:
            upload = form.get("file")
            if isinstance(upload, str) or upload is None or not upload.filename:
                return JSONResponse({"error": "send a file in the 'file' field"}, 400)
            size = len(await upload.read())
            name = upload.filename

        stats().track("File Uploads", meta=_blog.upload_meta(name, size))
        return JSONResponse({"stored": name, "bytes": size}, 201)

    async def signup(request: Request) -> Response:
        today = date.today()
        count = blog.sign_up(today)
        # One stat per day, updated in place by its ref_id.
        stats().track("Daily Signups", count, ref_id=today.isoformat())
        return JSONResponse({"signups_today": count}, 201)

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    api = [
        Route("/posts", list_posts, methods=["GET"]),
        Route("/posts", create_post, methods=["POST"]),
        Route("/posts/{post_id:int}", show_post),
        Route("/posts/{post_id:int}/export", export_post),
        Route("/uploads", upload, methods=["POST"]),
        Route("/signups", signup, methods=["POST"]),
    ]
    return Starlette(
        routes=[Mount("/api", routes=api), Route("/health", health)],
        middleware=[
            Middleware(StatsMixMiddleware, client=client, exclude_paths=["/health"])
        ],
    )


def main(argv: list[str] | None = None) -> None:
    """Serve the app on 127.0.0.1 with uvicorn."""
    import uvicorn

    port = parse_port("the Starlette example", argv)
    uvicorn.run(create_app(), host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
