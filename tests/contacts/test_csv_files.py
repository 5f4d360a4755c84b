"""Reading the text of a CSV upload (decoding it: tests/imports/test_file_encoding.py)."""

import pytest

from hushpost.contacts.csv_files import MAX_ROWS, CsvError, read_csv_text, read_rows
from hushpost.imports.file_encoding import decode_upload


def read_upload(data: bytes):
    return read_csv_text(decode_upload(data).text)


def test_it_reads_a_comma_separated_file():
    parsed = read_upload(b"Name,Email\nJane Roe,jane@example.com\nSam Poe,sam@example.com\n")
    assert parsed.headers == ["Name", "Email"]
    assert parsed.rows == [["Jane Roe", "jane@example.com"], ["Sam Poe", "sam@example.com"]]


def test_it_drops_a_utf8_byte_order_mark():
    parsed = read_upload("\ufeffName,Email\nJosé Nuñez,jose@example.com\n".encode())
    assert parsed.headers == ["Name", "Email"]
    assert parsed.rows[0][0] == "José Nuñez"


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_it_sniffs_semicolons_and_tabs(delimiter):
    text = (
        delimiter.join(["Name", "Phone", "Email"])
        + "\n"
        + delimiter.join(["Lee, Alice", "+14155550100", "a@example.com"])
    )
    parsed = read_upload(text.encode())
    assert parsed.headers == ["Name", "Phone", "Email"]
    assert parsed.rows == [["Lee, Alice", "+14155550100", "a@example.com"]]


def test_it_is_not_fooled_by_commas_inside_quotes():
    parsed = read_upload(b'Name,Email\n"Lee; Alice","a@example.com"\n"Roe, Jane",j@example.com\n')
    assert parsed.rows == [["Lee; Alice", "a@example.com"], ["Roe, Jane", "j@example.com"]]


def test_it_stores_the_rows_as_plain_csv_that_reads_back_the_same():
    parsed = read_upload(b'Name;Notes\r\n"Roe, Jane";"two\nlines"\r\n\r\nSam;x\r\n\r\n')
    headers, rows = read_rows(parsed.text)
    assert headers == ["Name", "Notes"]
    # The blank line in the middle stays (row numbers match the spreadsheet), trailing ones go.
    assert rows == [["Roe, Jane", "two\nlines"], [], ["Sam", "x"]]


@pytest.mark.parametrize("data", [b"", b"   \n\n", b"\xef\xbb\xbf"])
def test_it_refuses_an_empty_file(data):
    with pytest.raises(CsvError, match="empty"):
        read_upload(data)


def test_it_refuses_a_header_without_rows():
    with pytest.raises(CsvError, match="no contacts under it"):
        read_upload(b"Name,Email\n")


def test_it_honours_excels_sep_line():
    parsed = read_upload(b"sep=;\r\nName;Email\r\nRoe, Jane;jane@example.com\r\n")
    assert parsed.headers == ["Name", "Email"]
    assert parsed.rows == [["Roe, Jane", "jane@example.com"]]


def test_it_refuses_text_that_holds_nul_characters():
    with pytest.raises(CsvError, match="CSV UTF-8"):
        read_csv_text("Name,Email\nJane\x00,x\n")


def test_it_refuses_a_file_whose_first_line_is_a_contact():
    with pytest.raises(CsvError, match="Add a header row"):
        read_upload(b"Jane Roe,jane@example.com\nSam Poe,sam@example.com\n")
    with pytest.raises(CsvError, match="Add a header row"):
        read_upload(b"Jane Roe,+1 415 555 0100\n")


def test_it_refuses_an_empty_header_row():
    with pytest.raises(CsvError, match="must name the columns"):
        read_upload(b",,\nJane,jane@example.com,\n")


def test_it_refuses_a_single_column():
    with pytest.raises(CsvError, match="Only one column"):
        read_upload(b"Name\nJane\n")


def test_it_refuses_duplicate_header_names_ignoring_case_and_spaces():
    with pytest.raises(CsvError, match=r"same name.*Email.*E_mail"):
        read_upload(b"Name,Email,E_mail\nJane,a@example.com,b@example.com\n")


def test_it_refuses_too_many_rows():
    read_upload(b"Name,Email\n" + b"a,b\n" * MAX_ROWS)
    with pytest.raises(CsvError, match="50,001 rows"):
        read_upload(b"Name,Email\n" + b"a,b\n" * (MAX_ROWS + 1))


def test_it_reports_broken_csv_with_its_line():
    with pytest.raises(CsvError, match="Line"):
        read_upload(b'Name,Email\nJane,"a@example.com\n' + b"x" * 200_000)
