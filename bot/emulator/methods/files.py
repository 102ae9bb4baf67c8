"""Bot API methods for files and media: sendPhoto, sendDocument, getFile.

Files are stored in ``EmulatorState._files`` and served by ``server.py`` under ``/file/bot<token>/<file_path>``.
"""

from __future__ import annotations

import re
from typing import Any

from bot.emulator.chats import StoredFile
from bot.emulator.errors import ERR_INVALID_FILE_ID, ERR_NO_FILE, ERR_WRONG_FILE_ID, ApiError
from bot.emulator.methods.base import MethodGroup, api_method
from bot.emulator.params import Params, UploadedFile


class FileMethods(MethodGroup):
    """sendPhoto, sendDocument, getFile."""

    @api_method("sendPhoto")
    async def _api_send_photo(self, p: Params) -> dict[str, Any]:
        chat = self._chat(p)
        caption, entities, html = self._caption(p)
        stored, filename, mime_type = self._input_file(p, "photo")
        photo = [
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "width": 512,
                "height": 512,
                "file_size": len(stored.data),
            }
        ]
        return self._send(
            chat,
            p,
            kind="photo",
            text=caption,
            caption=caption or None,
            entities=entities,
            html=html,
            media={"photo": photo},
            filename=filename,
            file_bytes=stored.data,
            mime_type=mime_type,
        )

    @api_method("sendDocument")
    async def _api_send_document(self, p: Params) -> dict[str, Any]:
        chat = self._chat(p)
        caption, entities, html = self._caption(p)
        stored, filename, mime_type = self._input_file(p, "document")
        document = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
        if filename:
            document["file_name"] = filename
        if mime_type:
            document["mime_type"] = mime_type
        document["file_size"] = len(stored.data)
        return self._send(
            chat,
            p,
            kind="document",
            text=caption,
            caption=caption or None,
            entities=entities,
            html=html,
            media={"document": document},
            filename=filename,
            file_bytes=stored.data,
            mime_type=mime_type,
        )

    @api_method("getFile")
    async def _api_get_file(self, p: Params) -> dict[str, Any]:
        stored = self._files.get(p.text("file_id") or "")
        if stored is None:
            raise ApiError(400, ERR_INVALID_FILE_ID)
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.file_path,
        }

    def _input_file(self, p: Params, kind: str) -> tuple[StoredFile, str | None, str | None]:
        """Store an uploaded file (or resolve a file_id/URL); return it, filename, MIME type."""
        value = p.file(kind)
        if value is None:
            raise ApiError(400, ERR_NO_FILE.format(kind))
        if isinstance(value, UploadedFile):
            extension = (value.filename or "file.bin").rpartition(".")[2]
            file_id, _ = self._register_file(kind, value.data, extension)
            return self._files[file_id], value.filename, value.content_type
        if value in self._files:
            return self._files[value], None, None
        if re.match(r"https?://\S+$", value):
            name = value.rstrip("/").rpartition("/")[2] or "file"
            file_id, _ = self._register_file(kind, b"", name.rpartition(".")[2])
            return self._files[file_id], name, None
        raise ApiError(400, ERR_WRONG_FILE_ID)
