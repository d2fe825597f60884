"""The example blog on FastAPI, tracked with StatsMix.

Run it against a local ``statsmix-server`` (``make demo`` does all of this)::

    STATSMIX_URL=http://127.0.0.1:8765 STATSMIX_API_KEY=... \\
        python -m examples.fastapi_app --port 5002

The posts live on an ``APIRouter`` included under ``/api``; their stats carry
the full template, such as ``/api/posts/{post_id}``, and so does everything
the endpoints track.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, FastAPI, HTTPException, UploadFile
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel

from examples import _blog
from examples._serve import parse_port
from statsmix_middleware import Client, get_client, tracked
from statsmix_starlette import StatsMixMiddleware

__all__ = ["create_app", "main"]


class NewPost(BaseModel):
    """The JSON body of ``POST /api/posts``; FastAPI answers 422 without it."""

    title: str
    author: str


def create_app(client: Client | None = None) -> FastAPI:
    """The blog app; its stats go through ``client``, else the default client."""
    app = FastAPI(title="StatsMix example blog")
    app.add_middleware(StatsMixMiddleware, client=client, exclude_paths=["/health"])
    blog = _blog.Blog()
    posts = APIRouter(prefix="/posts")
    api = APIRouter()

    def stats() -> Client:
        return client if client is not None else get_client()

    def find(post_id: int) -> _blog.Post:
        post = blog.get(post_id)
        if post is None:
            raise HTTPException(404, "no such post")
        return post

    @tracked("Post Renders", timed=True, client=client)
    def render(post: _blog.Post) -> dict[str, object]:
        return blog.render(post)

    @posts.get("")
    def list_posts() -> list[dict[str, object]]:
        return [render(post) for post in blog.posts()]

    @posts.post("", status_code=201)
    def create_post(new: NewPost) -> dict[str, object]:
        post = blog.add(new.title, new.author)
        stats().track("Blog Posts", meta={"author": post.author})
        return render(post)

    @posts.get("/{post_id}")
    def show_post(post_id: int) -> dict[str, object]:
        return render(find(post_id))

    @posts.get("/{post_id}/export", response_class=PlainTextResponse)
    def export_post(post_id: int, format: str = "md") -> str:
        # Unsupported formats raise: the request is recorded as a 500.
        return blog.export(find(post_id), format)

    @api.post("/uploads", status_code=201)
    async def upload(file: UploadFile) -> dict[str, object]:
        size = len(await file.read())
        name = file.filename or "unnamed"
        stats().track("File Uploads", meta=_blog.upload_meta(name, size))
        return {"stored": name, "bytes": size}

    @api.post("/signups", status_code=201)
    def signup() -> dict[str, int]:
        today = date.today()
        count = blog.sign_up(today)
        # One stat per day, updated in place by its ref_id.
        stats().track("Daily Signups", count, ref_id=today.isoformat())
        return {"signups_today": count}

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    api.include_router(posts)
    app.include_router(api, prefix="/api")
    return app


def main(argv: list[str] | None = None) -> None:
    """Serve the app on 127.0.0.1 with uvicorn."""
    import uvicorn

    port = parse_port("the FastAPI example", argv)
    uvicorn.run(create_app(), host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
