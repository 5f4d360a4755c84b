"""Every upload's text, whatever the program that wrote it chose: imports.file_encoding."""

import codecs

import pytest

from hushpost.imports.file_encoding import UndecodableFile, decode_upload
from tests.imports.fixtures import fixture


@pytest.mark.parametrize(
    "data, text, encoding",
    [
        ("Name\nJosé Nuñez\n".encode(), "Name\nJosé Nuñez\n", "UTF-8"),
        (codecs.BOM_UTF8 + "Name\nJosé\n".encode(), "Name\nJosé\n", "UTF-8"),
        (codecs.BOM_UTF16_LE + "Name\nÅström\n".encode("utf-16-le"), "Name\nÅström\n", "UTF-16 LE"),
        (codecs.BOM_UTF16_BE + "Name\nÅström\n".encode("utf-16-be"), "Name\nÅström\n", "UTF-16 BE"),
        # Short Western text that charset-normalizer alone reads as another code page.
        ("Åström".encode("cp1252"), "Åström", "Windows-1252"),
        (
            "Name,Note\nJosé „Pepe“ Müller,5 €\n".encode("cp1252"),
            "Name,Note\nJosé „Pepe“ Müller,5 €\n",
            "Windows-1252",
        ),
        # Latin-1 text reads the same in Windows-1252, its superset.
        (
            "Name,City\nRené Français,Genève\n".encode("latin-1"),
            "Name,City\nRené Français,Genève\n",
            "Windows-1252",
        ),
    ],
)
def test_it_reads_each_encoding_and_says_which(data, text, encoding):
    decoded = decode_upload(data)
    assert (decoded.text, decoded.encoding) == (text, encoding)


def test_an_outlook_ansi_export_reads_astrom_not_lstrom():
    decoded = decode_upload(fixture("outlook_contacts_ansi.csv"))
    assert decoded.encoding == "Windows-1252"
    assert '"Anna","","Åström"' in decoded.text and "Ĺ" not in decoded.text


def test_central_european_text_is_not_forced_into_the_western_code_page():
    decoded = decode_upload("Imię,Nazwisko\nŁukasz,Wałęsa\nZofia,Żółć\n".encode("cp1250"))
    assert "Wałęsa" in decoded.text and decoded.encoding != "Windows-1252"


def test_utf16_without_a_byte_order_mark_is_recognised():
    data = "Name,Phone\nAnna Åström,+46701234567\nJosé,+34600000000\n".encode("utf-16-le")
    assert decode_upload(data).text.startswith("Name,Phone\nAnna Åström")


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
        b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" + bytes(range(256)),
        bytes(range(128, 256)) * 4,
        codecs.BOM_UTF8 + b"Name\n\xff\xfe\xfd\n",
    ],
)
def test_a_file_that_is_no_text_is_refused_with_what_to_do(data):
    with pytest.raises(UndecodableFile, match=r"UTF-8"):
        decode_upload(data)
