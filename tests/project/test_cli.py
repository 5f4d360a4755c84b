import pytest
from django.core.exceptions import ImproperlyConfigured

from hushpost.cli import _env_count, _gunicorn_argv, _webhooks_argv, _worker_argv, main


def test_the_access_log_never_holds_a_path_where_link_tokens_travel():
    argv = _gunicorn_argv("127.0.0.1", 8000, 2, 1)
    log_format = argv[argv.index("--access-logformat") + 1]
    # %(r)s is the request line, %(U)s the path, %(q)s the query string.
    assert not any(field in log_format for field in ("%(r)s", "%(U)s", "%(q)s", "%({"))
    assert "--no-control-socket" in argv


def test_the_webhook_sender_needs_at_least_one_thread(capsys):
    assert _webhooks_argv(3)[-3:] == ["send-webhooks", "--threads", "3"]
    with pytest.raises(SystemExit) as exit_:
        main(["webhooks", "--threads", "0"])
    assert exit_.value.code == 2
    assert "'0' is not a number of threads (1 or more)" in capsys.readouterr().err


def test_the_worker_sends_webhooks_unless_told_not_to(capsys):
    assert _worker_argv(0.5)[-4:] == ["--interval", "0.5", "--webhook-threads", "4"]
    assert _worker_argv(1.0, 0)[-2:] == ["--webhook-threads", "0"]
    with pytest.raises(SystemExit) as exit_:
        main(["worker", "--webhook-threads", "-1"])
    assert exit_.value.code == 2
    assert "'-1' is not a number of threads (0 or more)" in capsys.readouterr().err


def test_web_processes_and_threads_come_from_the_environment(monkeypatch):
    argv = _gunicorn_argv("127.0.0.1", 8000, 4, 2)
    assert argv[argv.index("--workers") + 1] == "4"
    assert argv[argv.index("--threads") + 1] == "2"
    monkeypatch.setenv("HUSHPOST_WEB_THREADS", " 3 ")
    assert _env_count("HUSHPOST_WEB_THREADS", 1) == 3
    monkeypatch.setenv("HUSHPOST_WEB_THREADS", "")
    assert _env_count("HUSHPOST_WEB_THREADS", 1) == 1
    for wrong in ("0", "two", "-1"):
        monkeypatch.setenv("HUSHPOST_WEB_WORKERS", wrong)
        with pytest.raises(ImproperlyConfigured, match="HUSHPOST_WEB_WORKERS"):
            _env_count("HUSHPOST_WEB_WORKERS", 2)


def test_web_needs_at_least_one_thread(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["web", "--threads", "0"])
    assert exit_.value.code == 2
    assert "'0' is not a number of threads (1 or more)" in capsys.readouterr().err
