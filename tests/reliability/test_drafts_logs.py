"""drafts.py (builder drafts in the XDG state dir) and logs.py (redaction, --debug log)."""

from __future__ import annotations

import logging
import os
import stat

import pytest

from multus_tui import drafts, logs


@pytest.fixture(autouse=True)
def state_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    yield tmp_path / "state"
    logs.setup(False)


def test_drafts_round_trip_atomic_private_newest_first(state_home):
    a = drafts.save_draft("a: 1\n", namespace="default", name="one")
    b = drafts.save_draft("b: ‮[bold]x[/]\udcff\n", namespace="ns2", name=None)
    d = state_home / "multus-tui" / "drafts"
    assert drafts.drafts_dir() == d
    assert sorted(p.name for p in d.iterdir()) == sorted([f"{a.id}.json", f"{b.id}.json"]), "no temporary files"
    assert stat.S_IMODE(os.stat(d / f"{a.id}.json").st_mode) == 0o600
    assert drafts.load_draft(b.id).text == b.text  # lone surrogates and markup survive verbatim
    assert [x.id for x in drafts.list_drafts()][0] == b.id
    # overwrite in place
    drafts.save_draft("a: 2\n", namespace="default", name="one", draft_id=a.id)
    assert drafts.load_draft(a.id).text == "a: 2\n"
    assert "default/one" in drafts.load_draft(a.id).label
    assert drafts.delete_draft(a.id) and not drafts.delete_draft(a.id)
    assert [x.id for x in drafts.list_drafts()] == [b.id]


def test_unreadable_drafts_are_skipped_not_fatal(state_home):
    good = drafts.save_draft("x: 1\n")
    d = drafts.drafts_dir()
    (d / "broken.json").write_bytes(b"\xff\xfe not json")
    (d / "list.json").write_text("[1, 2]")
    (d / "huge.json").write_bytes(b" " * (drafts.MAX_DRAFT_BYTES + 1))
    assert [x.id for x in drafts.list_drafts()] == [good.id]
    assert drafts.load_draft("../../etc/passwd") is None
    with pytest.raises(ValueError):
        drafts.save_draft("x", draft_id="../escape")


def test_relative_xdg_state_home_is_ignored(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_STATE_HOME", "relative/dir")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert drafts.drafts_dir() == tmp_path / ".local" / "state" / "multus-tui" / "drafts"


SECRET_TOKEN = "Zk9sZWN0LXNlY3JldC10b2tlbi12YWx1ZQ"
KEY_PEM = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBsecretkeymaterial\n-----END EC PRIVATE KEY-----"
LEAKS = [
    f"Authorization: Bearer {SECRET_TOKEN}",
    f"{{'Authorization': 'Bearer {SECRET_TOKEN}', 'Accept': 'application/json'}}",
    f"headers={{\"authorization\": \"{SECRET_TOKEN}\"}}",
    f"token: {SECRET_TOKEN}",
    f"\"token\": \"{SECRET_TOKEN}\"",
    f"client-key-data: {SECRET_TOKEN}",
    f"password={SECRET_TOKEN}&user=x",
    f"bearer {SECRET_TOKEN}",
    f"key follows\n{KEY_PEM}\ndone",
]


@pytest.mark.parametrize("text", LEAKS)
def test_redact_removes_credentials(text, tally):
    out = logs.redact(text)
    assert SECRET_TOKEN not in out and "secretkeymaterial" not in out, out
    tally.checked("credential pattern redacted")


def test_redact_registered_secrets_and_keeps_ordinary_text():
    logs.register_secret("opaque-value-without-any-marker")
    assert logs.redact("x opaque-value-without-any-marker y") == "x *** y"
    plain = "GET /api/v1/pods?watch=true 200; the token bucket is empty; passwords are not here"
    assert logs.redact(plain) == plain


def test_debug_log_redacts_messages_arguments_and_tracebacks(state_home, capsys):
    path = logs.setup(True)
    assert path == state_home / "multus-tui" / "debug.log"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    log = logging.getLogger("multus_tui.test")
    log.debug("sending %s", {"Authorization": f"Bearer {SECRET_TOKEN}"})
    log.info("kubeconfig user: client-key-data: %s", SECRET_TOKEN)
    try:
        raise RuntimeError(f"failed with token={SECRET_TOKEN}\n{KEY_PEM}")
    except RuntimeError:
        log.exception("request failed")
    logging.getLogger("urllib3.connectionpool").warning("Retrying with Authorization: Bearer %s", SECRET_TOKEN)
    for h in logging.getLogger().handlers:
        h.flush()
    text = path.read_text()
    assert "sending" in text and "request failed" in text and "RuntimeError" in text
    assert SECRET_TOKEN not in text and "secretkeymaterial" not in text, text
    assert "debug log in" in capsys.readouterr().err


def test_without_debug_library_warnings_do_not_reach_the_terminal(capsys):
    logs.setup(False)
    logging.getLogger("urllib3.connectionpool").warning("Retrying (Retry(total=2)) after connection broken")
    captured = capsys.readouterr()
    assert "Retrying" not in captured.err + captured.out
