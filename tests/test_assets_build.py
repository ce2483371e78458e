"""The set-up's compression step: a Brotli and a gzip copy beside each file worth it, reused while unchanged."""

import gzip

import brotli

from relaydesk.assets import compress, folder_digest

TEXT = b"import asyncio\n" * 2000


def test_each_compressible_file_gets_a_brotli_and_a_gzip_copy_and_archives_none(tmp_path):
    (tmp_path / "pyodide.asm.mjs").write_bytes(TEXT)
    (tmp_path / "python_stdlib.zip").write_bytes(TEXT)

    compress(tmp_path)

    assert brotli.decompress((tmp_path / "pyodide.asm.mjs.br").read_bytes()) == TEXT
    assert gzip.decompress((tmp_path / "pyodide.asm.mjs.gz").read_bytes()) == TEXT
    assert not (tmp_path / "python_stdlib.zip.br").exists()


def test_an_unchanged_file_keeps_the_last_build_s_copies_and_a_changed_one_is_compressed_again(tmp_path):
    previous, build = tmp_path / "previous", tmp_path / "build"
    for folder in (previous, build):
        folder.mkdir()
        (folder / "same.js").write_bytes(TEXT)
    (previous / "changed.js").write_bytes(TEXT)
    (build / "changed.js").write_bytes(TEXT + b"x = 1\n")
    for name in ("same.js", "changed.js"):
        (previous / f"{name}.br").write_bytes(b"from the last build")

    compress(build, previous)

    assert (build / "same.js.br").read_bytes() == b"from the last build"
    assert brotli.decompress((build / "changed.js.br").read_bytes()) == TEXT + b"x = 1\n"


def test_the_folder_hash_follows_contents_and_ignores_the_compressed_copies(tmp_path):
    (tmp_path / "a.js").write_bytes(TEXT)
    first = folder_digest(tmp_path)
    (tmp_path / "a.js.br").write_bytes(b"?")
    assert folder_digest(tmp_path) == first
    (tmp_path / "a.js").write_bytes(TEXT + b"\n")
    assert folder_digest(tmp_path) != first
