from hushpost.cli import _gunicorn_argv


def test_the_access_log_never_holds_a_path_where_link_tokens_travel():
    argv = _gunicorn_argv("127.0.0.1", 8000, 2)
    log_format = argv[argv.index("--access-logformat") + 1]
    # %(r)s is the request line, %(U)s the path, %(q)s the query string.
    assert not any(field in log_format for field in ("%(r)s", "%(U)s", "%(q)s", "%({"))
    assert "--no-control-socket" in argv
