"""The blog the three example apps share: posts, signups and uploads in memory."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date
from pathlib import PurePath

__all__ = ["Blog", "Post", "UnsupportedFormat", "upload_meta"]

EXPORT_FORMATS = ("md", "txt")


class UnsupportedFormat(ValueError):
    """An export format the blog does not know; the apps let it become a 500."""


@dataclass(frozen=True)
class Post:
    """One blog post; its ``id`` is its place in the order posts were added."""

    id: int
    title: str
    author: str


class Blog:
    """Posts and daily signup counts, safe to share between request threads."""

    def __init__(self) -> None:
        self._posts: dict[int, Post] = {}
        self._signups: dict[date, int] = {}
        self._lock = threading.Lock()
        self.add("Hello, StatsMix", "ada")

    def add(self, title: str, author: str) -> Post:
        """Publish a post; it gets the next id."""
        with self._lock:
            post = Post(len(self._posts) + 1, title, author)
            self._posts[post.id] = post
        return post

    def get(self, post_id: int) -> Post | None:
        """The post with this id, or None."""
        return self._posts.get(post_id)

    def posts(self) -> list[Post]:
        """Every post, oldest first."""
        return list(self._posts.values())

    def render(self, post: Post) -> dict[str, object]:
        """The post as the apps answer it in JSON."""
        return {"id": post.id, "title": post.title, "author": post.author}

    def export(self, post: Post, export_format: str) -> str:
        """The post as a Markdown (``md``) or plain text (``txt``) file.

        Raises:
            UnsupportedFormat: any other format.
        """
        if export_format not in EXPORT_FORMATS:
            raise UnsupportedFormat(f"cannot export a post as {export_format!r}")
        if export_format == "md":
            return f"# {post.title}\n\nby {post.author}\n"
        return f"{post.title}\nby {post.author}\n"

    def sign_up(self, day: date) -> int:
        """Count one more signup on ``day``; returns the day's total so far."""
        with self._lock:
            count = self._signups.get(day, 0) + 1
            self._signups[day] = count
        return count


def upload_meta(filename: str, size: int) -> dict[str, str]:
    """The meta of a "File Uploads" stat: its type, as in the StatsMix docs.

    The size goes in as a bucket rather than a number of bytes, so that the
    meta keeps a handful of values that a chart can group by.
    """
    suffix = PurePath(filename).suffix.lstrip(".").upper()
    if size < 100 * 1024:
        bucket = "small"
    elif size < 10 * 1024 * 1024:
        bucket = "medium"
    else:
        bucket = "large"
    return {"file type": suffix or "unknown", "size": bucket}
