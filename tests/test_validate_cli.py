"""``publish.py validate``: output format, exit codes, stdin, JSON output and URLs.

``run`` is tested in-process with its own parser, and the whole command through
``python publish.py validate`` in a subprocess, as users and CI call it.
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from feedpub.validate.command import add_arguments, run

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "validate"
VALID = DATA / "rss_valid.xml"
BAD_DATE = DATA / "rss_pubdate_hour_out_of_range.xml"
WARNS = DATA / "rss_self_link_missing.xml"


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="validate")
    add_arguments(parser)
    status = run(parser.parse_args(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_clean_file_is_quiet_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run([str(VALID)], capsys) == (0, "", "")


def test_verbose_says_clean_and_format(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _run(["-v", str(VALID)], capsys)
    assert status == 0
    assert out == f"{VALID}: valid RSS 2.0 (0 errors, 0 warnings)\n"


def test_verbose_names_rss_1_0_as_such(capsys: pytest.CaptureFixture[str]) -> None:
    """RSS 1.0 is checked, exits 0 when valid, and is not called RSS 2.0."""
    rdf = Path(__file__).parent / "data" / "realworld" / "arxiv-rss10.xml"
    status, out, _ = _run(["-v", str(rdf)], capsys)
    assert (status, out) == (0, f"{rdf}: valid RSS 1.0 or 0.90 (RDF) (0 errors, 0 warnings)\n")


def test_error_line_is_linter_style_and_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _run([str(BAD_DATE)], capsys)
    assert status == 1
    assert out == (f'{BAD_DATE}:12:1: error rss-pubdate-invalid: pubDate "Sat, 7 Dec 2024 25:00 '
                   'GMT" is not an RFC 822 date (a field is out of range)\n')


def test_warnings_alone_exit_0_and_quiet_hides_them(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _run([str(WARNS)], capsys)
    assert status == 0
    assert out.startswith(f"{WARNS}:3:1: warning rss-self-link-missing: ")
    assert _run(["-q", str(WARNS)], capsys) == (0, "", "")


def test_json_output_has_the_same_findings(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _run(["--format", "json", str(BAD_DATE), str(VALID)], capsys)
    assert status == 1
    report = json.loads(out)
    assert [s["source"] for s in report["sources"]] == [str(BAD_DATE), str(VALID)]
    first, second = report["sources"]
    assert first["format"] == "rss"
    assert [(f["severity"], f["rule"], f["line"], f["column"]) for f in first["findings"]] == [
        ("error", "rss-pubdate-invalid", 12, 1)]
    assert second["findings"] == []


def test_missing_file_exits_2_even_with_other_errors(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = _run([str(BAD_DATE), str(DATA / "no-such-file.xml")], capsys)
    assert status == 2
    assert "rss-pubdate-invalid" in out
    assert err.startswith(f"{DATA / 'no-such-file.xml'}:0:0: error source-unreadable: cannot read: ")


def test_stdin_dash(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(BAD_DATE.read_bytes())))
    status, out, _ = _run(["-"], capsys)
    assert status == 1
    assert out.startswith("<stdin>:12:1: error rss-pubdate-invalid: ")


@pytest.mark.parametrize(("name", "rule"), [
    ("not_a_feed.html", "feed-not-a-feed"), ("empty.xml", "feed-empty"),
    ("binary.bin", "feed-not-a-feed"), ("rss_latin1_undeclared.xml", "xml-encoding-invalid"),
])
def test_non_feeds_are_findings_not_crashes(
    name: str, rule: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = _run([str(DATA / name)], capsys)
    assert status == 1
    assert f" error {rule}: " in out
    assert err == ""


def test_url_is_fetched_and_validated(httpserver: HTTPServer,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    httpserver.expect_request("/feed.xml").respond_with_data(
        BAD_DATE.read_bytes(), content_type="application/rss+xml")
    url = httpserver.url_for("/feed.xml")
    status, out, _ = _run(["--no-http", url], capsys)
    assert status == 1
    assert out.startswith(f"{url}:12:1: error rss-pubdate-invalid: ")


def test_url_redirect_to_http_is_followed(httpserver: HTTPServer,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    httpserver.expect_request("/old").respond_with_data(
        "", status=301, headers={"Location": "/new"})
    httpserver.expect_request("/new").respond_with_data(VALID.read_bytes())
    assert _run(["--no-http", httpserver.url_for("/old")], capsys) == (0, "", "")


def test_url_redirect_to_file_scheme_is_refused(httpserver: HTTPServer, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    local = tmp_path / "feed.xml"
    local.write_bytes(VALID.read_bytes())
    httpserver.expect_request("/feed").respond_with_data(
        "", status=302, headers={"Location": local.as_uri()})
    status, out, err = _run([httpserver.url_for("/feed")], capsys)
    assert status == 2
    assert out == ""
    assert ":0:0: error http-fetch-failed: refusing to follow a redirect to a file: URL" in err


def test_url_http_error_exits_2(httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]) -> None:
    httpserver.expect_request("/gone").respond_with_data("no", status=404)
    status, _, err = _run([httpserver.url_for("/gone")], capsys)
    assert status == 2
    assert err == f"{httpserver.url_for('/gone')}:0:0: error http-status-error: cannot fetch: " \
        f"HTTP 404 from {httpserver.url_for('/gone')}\n"


def test_url_over_the_size_cap_exits_2(httpserver: HTTPServer,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    httpserver.expect_request("/big").respond_with_data(b"<rss>" + b" " * 5000 + b"</rss>")
    status, _, err = _run(["--max-bytes", "1000", httpserver.url_for("/big")], capsys)
    assert status == 2
    assert " error http-too-large: cannot fetch: " in err
    assert err.endswith(": cannot fetch: the response is over the 1000-byte limit\n") or \
        err.endswith(" bytes is over the 1000-byte limit\n")


def test_a_file_over_the_size_cap_is_not_given_a_made_up_size(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Only the cap and one byte more are read, and the finding gave that as the size:
    this 5,013-byte file (or /dev/zero) was "1001 bytes, over the 1000-byte limit"."""
    big = tmp_path / "big.xml"
    big.write_bytes(b"<rss>" + b" " * 5000 + b"</rss>")
    status, out, _ = _run(["--max-bytes", "1000", str(big)], capsys)
    assert status == 1
    assert out == (f"{big}:0:0: error feed-too-large: the document is over the 1000-byte limit, "
                   "so it is not checked\n")


def test_unreachable_url_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = _run(["http://127.0.0.1:9/feed.xml"], capsys)
    assert status == 2
    assert err.startswith("http://127.0.0.1:9/feed.xml:0:0: error http-fetch-failed: cannot fetch: "
                          "ConnectionRefusedError")


# --- the whole command, as users run it ------------------------------------------------


def _publish(*argv: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "publish.py"), "validate", *argv], cwd=ROOT, input=stdin
        if stdin is None else stdin.decode("latin-1"), capture_output=True, text=True,
        encoding="latin-1", timeout=60, check=False)


def test_publish_validate_exit_codes() -> None:
    assert _publish(str(VALID)).returncode == 0
    bad = _publish(str(BAD_DATE))
    assert bad.returncode == 1
    assert bad.stdout.startswith(f"{BAD_DATE}:12:1: error rss-pubdate-invalid: ")
    assert _publish(str(DATA / "missing.xml")).returncode == 2


def test_module_entry_point() -> None:
    result = subprocess.run([sys.executable, "-m", "feedpub.validate", str(BAD_DATE)], cwd=ROOT,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 1
    assert result.stdout.startswith(f"{BAD_DATE}:12:1: error rss-pubdate-invalid: ")


def test_publish_validate_bad_arguments_exit_2() -> None:
    assert _publish("--format", "yaml", str(VALID)).returncode == 2
    assert _publish().returncode == 2


def test_publish_validate_reads_stdin() -> None:
    result = _publish("-", "--format", "json", stdin=(DATA / "json_id_duplicate.json").read_bytes())
    assert result.returncode == 1
    [source] = json.loads(result.stdout)["sources"]
    assert source["source"] == "<stdin>"
    assert [(f["rule"], f["line"], f["column"]) for f in source["findings"]] == [
        ("json-id-duplicate", 15, 7)]


def test_file_validation_does_not_import_requests() -> None:
    """Import cost is part of the speed target: the HTTP client is for URLs only."""
    code = (f"import sys; from feedpub.cli import main; main(['validate', {str(VALID)!r}]); "
            "print('requests' in sys.modules, 'dateutil' in sys.modules, "
            "'feedgen' in sys.modules, 'http.client' in sys.modules, 'ssl' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=60, check=True)
    assert result.stdout.strip() == "False False False False False"


def test_json_output_names_the_rule_of_an_unreadable_source(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = _run(["--format", "json", str(DATA / "no-such-file.xml")], capsys)
    assert status == 2
    [source] = json.loads(out)["sources"]
    assert (source["readable"], source["rule"]) == (False, "source-unreadable")


def test_values_quoted_from_a_feed_print_as_one_line_of_plain_text(tmp_path: Path) -> None:
    """A lone surrogate (legal JSON) made printing raise UnicodeEncodeError, in text and
    JSON output alike; a newline or an escape sequence in a value printed as such, so a
    feed could forge finding lines or drive the terminal."""
    forged = "x\\nfeed.json:1:1: error forged: \\u001b[2J"
    path = tmp_path / "feed.json"
    path.write_text('{"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": ['
                    '{"id": "1", "url": "https://example.org/1", "content_text": "x", '
                    f'"\\ud800": 1, "date_published": "{forged}"}}]}}')
    text = _publish(str(path))
    assert (text.returncode, text.stderr) == (1, "")
    lines = text.stdout.splitlines()
    assert [line.split(": ")[1].split()[1] for line in lines] == [
        "json-recommended-missing", "json-recommended-missing", "json-key-unknown",
        "json-date-invalid"]
    assert '"\\ud800" is not a JSON Feed item member' in lines[2]
    assert 'date_published "x\\nfeed.json:1:1: error forged: \\x1b[2J"' in lines[3]
    assert "\x1b" not in text.stdout
    as_json = _publish(str(path), "--format", "json")
    assert (as_json.returncode, as_json.stderr) == (1, "")
    messages = [f["message"] for f in json.loads(as_json.stdout)["sources"][0]["findings"]]
    assert messages[2].startswith('"\\ud800" is not')


def test_a_file_name_with_control_characters_prints_as_one_line(tmp_path: Path) -> None:
    """The name starts every line and was printed as given: a file named with a newline
    forged finding lines, one with an escape sequence drove the terminal; in text output
    it is escaped like a quoted value (JSON output escapes it as JSON does)."""
    path = tmp_path / "a\nforged.xml:1:1: error forged: \x1b[2Jx.xml"
    path.write_bytes(b"<rss")
    missing = str(tmp_path / "gone\n.xml")
    result = _publish(str(path), missing)
    assert result.returncode == 2
    escaped = str(path).replace("\n", "\\n").replace("\x1b", "\\x1b")
    assert result.stdout.startswith(f"{escaped}:1:5: error xml-not-well-formed: ")
    assert len(result.stdout.splitlines()) == 1 and "\x1b" not in result.stdout
    assert result.stderr == (f"{missing.replace(chr(10), chr(92) + 'n')}:0:0: error "
                             "source-unreadable: cannot read: No such file or directory\n")
    as_json = _publish(str(path), "--format", "json")
    assert json.loads(as_json.stdout)["sources"][0]["source"] == str(path)


@pytest.mark.parametrize("encoding", ["ascii", "latin-1", "utf-8"])
def test_output_in_any_locale_escapes_what_it_cannot_encode(tmp_path: Path,
                                                            encoding: str) -> None:
    """Under LC_ALL=C (ASCII) a quoted "é", and in any strict locale a file name that is
    not UTF-8, raised UnicodeEncodeError instead of printing the findings."""
    import os

    directory = os.fsencode(tmp_path)
    path = os.path.join(directory, b"feed-\xff.json")
    with open(path, "wb") as handle:
        handle.write('{"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": '
                     '[{"id": "1", "content_text": "x", "date_published": "2024 \u00e9\u20ac"}]}'
                     .encode())
    env = {**os.environ, "PYTHONIOENCODING": encoding}
    for output in ("text", "json"):
        result = subprocess.run(
            [sys.executable, str(ROOT / "publish.py"), "validate", "--format", output,
             os.fsdecode(path)], cwd=ROOT, env=env, capture_output=True, timeout=60, check=False)
        assert (result.returncode, result.stderr) == (1, b"")
        text = result.stdout.decode(encoding)
        if output == "json":
            [source] = json.loads(text)["sources"]
            assert source["source"] == os.fsdecode(path)
            assert source["findings"][-1]["message"].startswith('date_published "2024 \u00e9\u20ac"')
        else:
            assert "feed-\\udcff.json:1:" in text and "json-date-invalid" in text
