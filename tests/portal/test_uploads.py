import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hushpost.portal.uploads import UploadRefused, read_upload, safe_file_name


@pytest.mark.parametrize(
    ("given", "safe"),
    [
        ("report.pdf", "report.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\jane\\scan.png", "scan.png"),
        (
            "photo\u202egnp.exe",
            "photognp.exe",
        ),  # no right-to-left override to hide the real extension
        ('a"b;c\r\n.pdf', "a_b_c.pdf"),
        ("  .hidden  ", "hidden"),
        ("", "file"),
        ("\x00\x01", "file"),
        ("Résumé\u00a0final.docx", "Résumé final.docx"),
        ("x" * 300 + ".pdf", "x" * 146 + ".pdf"),
    ],
)
def test_file_names_are_made_safe(given, safe):
    assert safe_file_name(given) == safe


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("a.pdf", b"%PDF-1.7 ...", "application/pdf"),
        ("a.JPG", b"\xff\xd8\xff\xe0 jfif", "image/jpeg"),
        ("a.webp", b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        ("a.heic", b"\x00\x00\x00\x18ftypheic", "image/heic"),
        (
            "a.docx",
            b"PK\x03\x04 word",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("a.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 old excel", "application/vnd.ms-excel"),
        ("a.csv", "name,amount\nJosé,3\n".encode(), "text/csv"),
    ],
)
def test_common_documents_and_images_are_accepted_with_our_own_content_type(
    name, data, content_type
):
    upload = SimpleUploadedFile(name, data, content_type="text/html")
    assert read_upload(upload) == (name, content_type, data)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("setup.exe", b"MZ\x90\x00"),
        ("run.sh", b"#!/bin/sh"),
        ("page.html", b"<html>"),
        ("image.svg", b"<svg onload=alert(1)>"),
        ("macro.docm", b"PK\x03\x04"),
        ("no-extension", b"%PDF-"),
        ("setup.pdf", b"MZ\x90\x00"),
        ("binary.txt", b"\x7fELF\x00\x00"),
        ("empty.pdf", b""),
    ],
)
def test_executables_scripts_disguises_and_empty_files_are_refused(name, data):
    with pytest.raises(UploadRefused):
        read_upload(SimpleUploadedFile(name, data))
