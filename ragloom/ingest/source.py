"""The file a parser reads, and the checks every parser shares."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from ragloom.errors import IngestError
from ragloom.services.file_types import extension_of

MAX_UNZIPPED_BYTES = 512 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200


@dataclass(frozen=True)
class SourceFile:
    """A document's name and bytes."""

    name: str
    data: bytes

    @property
    def extension(self) -> str:
        return extension_of(self.name)


def check_zip_container(source: SourceFile, *, what: str) -> None:
    """Refuse a ZIP-based file (docx, xlsx, pptx, epub) that is not a ZIP or would inflate absurdly.

    A zip bomb is refused before any library decompresses it: the declared sizes of all
    members are summed and compared with a limit and with the compressed size.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(source.data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise IngestError(f"{source.name} is not a valid {what} file (it is corrupt or not a ZIP container)") from error
    inflated = sum(member.file_size for member in members)
    compressed = max(sum(member.compress_size for member in members), 1)
    if inflated > MAX_UNZIPPED_BYTES or inflated / compressed > MAX_COMPRESSION_RATIO:
        raise IngestError(
            f"{source.name} would unpack to {inflated} bytes from {compressed}; refused as a likely zip bomb"
        )
