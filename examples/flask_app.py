"""A small blog on Flask that tracks what happens in it with StatsMix.

Run it against a local ``statsmix-server`` (``make demo`` does all of this)::

    STATSMIX_URL=http://127.0.0.1:8765 STATSMIX_API_KEY=... \\
        python -m examples.flask_app --port 5000

Every request becomes one stat in "HTTP Requests" (the health check aside),
its route the rule with the blueprint's prefix, such as ``/api/posts/<int:post_id>``;
the views track the business events: "Blog Posts", "File Uploads" with their
file type, and "Daily Signups", one stat per day kept up to date by ``ref_id``.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Flask, abort, jsonify, request
from flask.typing import ResponseReturnValue

from examples import _blog
from examples._serve import parse_port
from statsmix_flask import StatsMix
from statsmix_middleware import Client, get_client, tracked

__all__ = ["create_app", "main"]


def create_app(client: Client | None = None) -> Flask:
    """The blog app; its stats go through ``client``, else the default client."""
    app = Flask(__name__)
    app.config["STATSMIX_EXCLUDE_PATHS"] = ["/health"]
    StatsMix(app, client=client)
    blog = _blog.Blog()
    api = Blueprint("api", __name__, url_prefix="/api")

    def stats() -> Client:
        return client if client is not None else get_client()

    @tracked("Post Renders", timed=True, client=client)
    def render(post: _blog.Post) -> dict[str, object]:
        return blog.render(post)

    @api.get("/posts")
    def list_posts() -> ResponseReturnValue:
        return jsonify([render(post) for post in blog.posts()])

    @api.post("/posts")
    def create_post() -> ResponseReturnValue:
        form = request.get_json(silent=True) or {}
        title, author = form.get("title"), form.get("author")
        if not title or not author:
            return jsonify(error="title and author are required"), 400

        post = blog.add(str(title), str(author))
        stats().track("Blog Posts", meta={"author": post.author})
        return jsonify(render(post)), 201

    @api.get("/posts/<int:post_id>")
    def show_post(post_id: int) -> ResponseReturnValue:
        post = blog.get(post_id)
        if post is None:
            abort(404)
        return jsonify(render(post))

    @api.get("/posts/<int:post_id>/export")
    def export_post(post_id: int) -> ResponseReturnValue:
        post = blog.get(post_id)
        if post is None:
            abort(404)
        # Unsupported formats raise: the request is recorded as a 500.
        return blog.export(post, request.args.get("format", "md"))

    @api.post("/uploads")
    def upload() -> ResponseReturnValue:
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            return jsonify(error="send a file in the 'file' field"), 400

        size = len(upload.read())
        stats().track("File Uploads", meta=_blog.upload_meta(upload.filename, size))
        return jsonify(stored=upload.filename, bytes=size), 201

    @api.post("/signups")
    def signup() -> ResponseReturnValue:
        today = date.today()
        count = blog.sign_up(today)
        # One stat per day, updated in place by its ref_id.
        stats().track("Daily Signups", count, ref_id=today.isoformat())
        return jsonify(signups_today=count), 201

    @app.get("/health")
    def health() -> ResponseReturnValue:
        return jsonify(status="ok")

    app.register_blueprint(api)
    return app


def main(argv: list[str] | None = None) -> None:
    """Serve the app on 127.0.0.1 with Werkzeug's server."""
    port = parse_port("the Flask example", argv)
    create_app().run(host="127.0.0.1", port=port, threaded=True)


if __name__ == "__main__":
    main()
