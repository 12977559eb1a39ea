"""The validator's public API on our own fixtures: one behaviour per file in
tests/data/validate/, each with the exact findings (severity, rule, line) it must give."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedpub.validate import Finding, detect_format, has_errors, validate_bytes

DATA = Path(__file__).parent / "data" / "validate"

E, W = "error", "warning"

# file name -> the exact findings, as (severity, rule, line), in document order.
EXPECTED: dict[str, list[tuple[str, str, int]]] = {
    "rss_valid.xml": [],
    "rss_pubdate_hour_out_of_range.xml": [(E, "rss-pubdate-invalid", 12)],
    "rss_pubdate_not_rfc822.xml": [(E, "rss-pubdate-invalid", 12)],
    "rss_pubdate_wrong_weekday.xml": [(E, "rss-date-weekday-mismatch", 12)],
    "rss_pubdate_with_comment.xml": [],
    "rss_channel_title_missing.xml": [(E, "rss-element-missing", 3)],
    "rss_channel_missing.xml": [(E, "rss-element-missing", 2)],
    "rss_item_title_duplicate.xml": [(E, "rss-element-duplicate", 10)],
    "rss_item_without_title_or_description.xml": [
        (E, "rss-item-title-or-description-missing", 8)],
    "rss_unknown_core_element.xml": [(E, "rss-element-unknown", 10)],
    "rss_guid_permalink_not_url.xml": [(E, "rss-guid-not-url", 11)],
    "rss_guid_not_permalink.xml": [],
    "rss_guid_ispermalink_invalid.xml": [(E, "rss-guid-ispermalink-invalid", 11)],
    "rss_guid_duplicate.xml": [(E, "rss-guid-duplicate", 17)],
    "rss_link_relative.xml": [(E, "rss-url-invalid", 10)],
    "rss_link_not_ascii.xml": [(E, "rss-url-invalid", 10)],
    "rss_version_missing.xml": [(E, "rss-version-missing", 2)],
    "rss_version_wrong.xml": [(E, "rss-version-invalid", 2)],
    "rss_enclosure_length_missing.xml": [(E, "rss-attribute-missing", 14)],
    "rss_enclosure_length_negative.xml": [(E, "rss-enclosure-length-invalid", 14)],
    "rss_managingeditor_without_email.xml": [(E, "rss-email-invalid", 7)],
    "rss_managingeditor_email_and_name.xml": [],
    "rss_ttl_not_integer.xml": [(E, "rss-ttl-invalid", 7)],
    "rss_skiphours_hour_24.xml": [(W, "rss-skip-hour-24", 7)],
    "rss_image_width_too_large.xml": [(E, "rss-image-size-invalid", 7)],
    "rss_description_script.xml": [(W, "html-unsafe", 13)],
    "rss_description_event_handler.xml": [(W, "html-unsafe", 13)],
    "rss_description_javascript_url.xml": [(W, "html-unsafe", 13)],
    "rss_content_encoded_script.xml": [(W, "html-unsafe", 14)],
    "rss_self_link_missing.xml": [(W, "rss-self-link-missing", 3)],
    "rss_history_complete_with_next.xml": [(E, "fh-complete-with-paging", 8)],
    "rss_history_archive_without_current.xml": [(W, "fh-archive-without-current", 8)],
    "rss_dc_date_invalid.xml": [(E, "ext-date-invalid", 14)],
    "rss_itunes_explicit_invalid.xml": [(E, "itunes-value-invalid", 8)],
    "rss_media_content_width_invalid.xml": [(E, "ext-attribute-invalid", 14)],
    "rss_control_character.xml": [(E, "xml-forbidden-char", 13)],
    "rss_undeclared_prefix.xml": [(E, "xml-namespace-undeclared", 14)],
    "rss_not_well_formed.xml": [(E, "xml-not-well-formed", 14)],
    "rss_encoding_unknown.xml": [(E, "xml-encoding-unknown", 1)],
    "rss_latin1_declared.xml": [],
    "rss_latin1_undeclared.xml": [(E, "xml-encoding-invalid", 6)],
    "rss_utf16_with_bom.xml": [],
    "rss_utf8_bom_declares_latin1.xml": [(E, "xml-encoding-mismatch", 1)],
    "rss_declares_utf16_but_is_single_byte.xml": [(E, "xml-encoding-mismatch", 1)],
    "rss_attribute_not_namespaced.xml": [(E, "rss-attribute-unknown", 11)],
    "rss_xml_version_1_1.xml": [(E, "xml-version-invalid", 1)],
    "rss_two_enclosures.xml": [(W, "rss-enclosure-multiple", 15)],
    "rss_enclosure_url_not_http.xml": [(E, "rss-url-invalid", 14)],
    "rss_guid_permalink_tag_uri.xml": [(E, "rss-guid-not-url", 11)],
    "rss_slash_comments_not_integer.xml": [(E, "ext-value-invalid", 14)],
    "rss_description_raw_markup.xml": [(E, "rss-markup-unescaped", 13)],
    "rss_title_raw_markup_namespaced.xml": [(E, "rss-markup-unescaped", 9)],
    "rss_description_cdata_markup.xml": [],
    "rss_item_attribute_unknown.xml": [(E, "rss-attribute-unknown", 8)],
    "rss_channel_attribute_unknown.xml": [(E, "rss-attribute-unknown", 3)],
    "rss_item_attribute_namespaced.xml": [],
    "rss_enclosure_with_text.xml": [(E, "rss-text-unexpected", 12)],
    "rss_enclosure_length_blank.xml": [(W, "rss-attribute-empty", 12),
                                       (E, "rss-attribute-missing", 12)],
    "rss_category_domain_blank.xml": [(W, "rss-attribute-empty", 12)],
    "rss_image_title_differs.xml": [(W, "rss-image-mismatch", 7)],
    "rss_image_svg.xml": [(W, "rss-image-format", 7)],
    "rss_image_child_attribute.xml": [(E, "rss-attribute-unknown", 7)],
    "rss_item_before_channel_element.xml": [(W, "rss-item-misplaced", 15)],
    "rss_skiphours_hour_25.xml": [(E, "rss-skip-value-invalid", 7)],
    "rss_skiphours_midnight_twice.xml": [(W, "rss-skip-hour-24", 8),
                                         (E, "rss-skip-value-duplicate", 8)],
    "rss_doctype_netscape.xml": [(W, "xml-doctype", 1), (E, "rss-doctype-deprecated", 3),
                                 (W, "rss-version-old", 3)],
    "rss_cloud_https_post.xml": [(W, "rss-cloud-https-post", 7)],
    "rss_guid_empty_permalink.xml": [(E, "rss-guid-not-url", 11)],
    "rss_managingeditor_name_addr.xml": [],
    "rss_guid_duplicate_not_permalink.xml": [(E, "rss-guid-duplicate", 18)],
    "rss_itunes_email_in_channel.xml": [(E, "ext-element-misplaced", 8)],
    "rss_itunes_owner_holds_image.xml": [(E, "ext-element-misplaced", 8)],
    "rss_itunes_subcategory_wrong_parent.xml": [(E, "itunes-category-invalid", 8)],
    # Apple's categories have two levels: a subcategory has no subcategories, and a
    # third level (Arts > Design > Design) was accepted as long as each name existed
    "rss_itunes_category_third_level.xml": [(E, "itunes-category-invalid", 9)],
    "rss_itunes_explicit_legacy.xml": [(W, "itunes-explicit-legacy", 8)],
    "rss_itunes_required_missing.xml": [(W, "itunes-element-missing", 3)],
    "rss_itunes_namespace_miscased.xml": [(W, "ext-namespace-mismatch", 8)],
    "rss_media_content_unknown_child.xml": [(E, "ext-element-unknown", 14)],
    "rss_media_content_child_no_namespace.xml": [(E, "ext-element-unknown", 14)],
    "rss_media_group_inside_content.xml": [(E, "ext-element-misplaced", 14)],
    "rss_media_content_in_channel.xml": [(E, "ext-element-misplaced", 8)],
    "rss_media_width_blank.xml": [(W, "ext-attribute-empty", 14)],
    "rss_media_adult.xml": [(W, "media-adult-deprecated", 14)],
    "rss_media_status_invalid.xml": [(E, "ext-attribute-invalid", 14)],
    "rss_media_star_rating_outside_community.xml": [(E, "ext-element-misplaced", 14)],
    "rss_media_extensions_valid.xml": [],
    "rss_fh_archive_in_item.xml": [(E, "ext-element-misplaced", 14)],
    "rss_atom_element_unknown.xml": [(E, "ext-element-unknown", 8)],
    "rss_item_without_guid.xml": [(W, "rss-guid-missing", 8)],
    "rss_wfw_commentrss_misspelt.xml": [(W, "ext-element-deprecated", 14)],
    "rss_blank_line_before_declaration.xml": [(E, "xml-declaration-misplaced", 2)],
    "rss_latin1_with_windows_1252_dash.xml": [(W, "xml-encoding-suspect", 13)],
    "atom_attribute_not_namespaced.xml": [(E, "atom-attribute-unknown", 13)],
    "atom_valid.xml": [],
    "atom_extensions_valid.xml": [],
    "rss_podcast_extensions_valid.xml": [],
    "atom_feed_id_missing.xml": [(E, "atom-element-missing", 2)],
    "atom_entry_title_duplicate.xml": [(E, "atom-element-duplicate", 11)],
    "atom_updated_with_space.xml": [(E, "atom-date-invalid", 12)],
    "atom_updated_lowercase_t.xml": [(E, "atom-date-invalid", 12)],
    "atom_author_missing.xml": [(E, "atom-author-missing", 8)],
    "atom_author_on_entry_only.xml": [],
    "atom_author_email_with_name.xml": [(E, "atom-email-invalid", 8)],
    "atom_entry_id_relative.xml": [(E, "atom-id-invalid", 11)],
    "atom_entry_id_bad_tag_uri.xml": [(E, "atom-id-invalid", 11)],
    "atom_entry_id_duplicate.xml": [(W, "atom-entry-id-duplicate", 18)],
    "atom_feed_and_entry_share_id.xml": [(W, "atom-id-shared", 4)],
    "atom_generator_with_element.xml": [(E, "atom-text-only", 6)],
    "atom_content_text_plain_with_element.xml": [(E, "atom-text-markup-unescaped", 14)],
    "atom_content_src_without_type.xml": [(W, "atom-content-type-missing", 14)],
    "atom_link_with_text.xml": [(W, "atom-link-not-empty", 7)],
    "atom_link_rel_unregistered.xml": [(W, "atom-link-rel-unregistered", 6)],
    "atom_self_link_relative.xml": [(W, "atom-self-link-relative", 6)],
    "atom_self_link_relative_with_base.xml": [],
    "atom_source_incomplete.xml": [(W, "atom-source-incomplete", 14)],
    "atom_title_type_blank.xml": [(W, "atom-attribute-empty", 3)],
    "atom_history_complete_and_archive.xml": [(E, "fh-complete-and-archive", 6)],
    "atom_history_complete_with_prev_archive.xml": [(E, "fh-complete-with-paging", 6)],
    "atom_history_archive_missing.xml": [(W, "fh-archive-missing", 2)],
    "atom_history_archive_unlinked.xml": [(W, "fh-archive-unlinked", 6)],
    "atom_history_subscription_document.xml": [],
    "atom_history_link_in_entry.xml": [(W, "fh-link-in-entry", 9)],
    "atom_tombstone_live_entry.xml": [(E, "at-ref-live-entry", 6)],
    "atom_tombstone_restored_entry.xml": [(W, "at-ref-restored", 6)],
    "atom_tombstone_duplicate.xml": [(E, "at-deleted-entry-duplicate", 7)],
    "atom_deleted_entry_document.xml": [],
    "atom_alternate_link_duplicate.xml": [(E, "atom-link-duplicate", 14)],
    "atom_link_href_missing.xml": [(E, "atom-link-href-missing", 7)],
    "atom_content_or_alternate_missing.xml": [(E, "atom-content-or-alternate-missing", 9)],
    "atom_content_xhtml_without_div.xml": [(E, "atom-xhtml-div-missing", 14)],
    "atom_content_xhtml_onclick.xml": [(W, "html-unsafe", 14)],
    "atom_content_html_unescaped.xml": [(E, "atom-text-markup-unescaped", 14)],
    "atom_content_html_script.xml": [(W, "html-unsafe", 14)],
    "atom_content_type_not_mime.xml": [(E, "atom-content-type-invalid", 14)],
    "atom_content_src_not_empty.xml": [(E, "atom-content-src-not-empty", 15)],
    "atom_content_base64_invalid.xml": [(E, "atom-content-not-base64", 15)],
    "atom_title_type_invalid.xml": [(E, "atom-text-type-invalid", 10)],
    "atom_metadata_after_entry.xml": [(E, "atom-metadata-after-entry", 16)],
    "atom_unknown_core_element.xml": [(E, "atom-element-unknown", 11)],
    "atom_self_link_missing.xml": [(W, "atom-self-link-missing", 2)],
    "atom_history_complete_with_previous.xml": [(E, "fh-complete-with-paging", 8)],
    "atom_tombstone_ref_missing.xml": [(E, "at-ref-missing", 16)],
    "atom_obsolete_namespace.xml": [(E, "atom-namespace-invalid", 2)],
    "json_valid.json": [],
    "json_version_wrong.json": [(E, "json-version-invalid", 2)],
    "json_title_missing.json": [(E, "json-title-missing", 2)],
    "json_items_missing.json": [(E, "json-items-missing", 2)],
    "json_id_duplicate.json": [(E, "json-id-duplicate", 15)],
    "json_id_not_string.json": [(W, "json-id-not-string", 8)],
    "json_content_missing.json": [(E, "json-content-missing", 8)],
    "json_date_invalid.json": [(E, "json-date-invalid", 12)],
    "json_url_relative.json": [(E, "json-url-invalid", 9)],
    "json_expired_not_boolean.json": [(E, "json-type-invalid", 6)],
    "json_hub_without_url.json": [(E, "json-hub-invalid", 6)],
    "json_feed_url_missing.json": [(W, "json-recommended-missing", 2)],
    "json_unknown_key.json": [(W, "json-key-unknown", 6)],
    "json_content_html_script.json": [(W, "html-unsafe", 11)],
    "json_not_well_formed.json": [(E, "json-not-well-formed", 5)],
    "rss_itunes_category_invalid.xml": [(E, "itunes-category-invalid", 8)],
    "rss_itunes_category_obsolete.xml": [(W, "itunes-category-obsolete", 8)],
    "rss_itunes_category_in_item.xml": [(E, "ext-element-misplaced", 13)],
    "rss_dc_element_unknown.xml": [(E, "ext-element-unknown", 13)],
    "rss_georss_polygon_not_closed.xml": [(E, "ext-georss-invalid", 13)],
    "rss_georss_gml_pos_invalid.xml": [(E, "ext-georss-invalid", 15)],
    "rss_robots_meta_invalid.xml": [(E, "ext-robots-meta-invalid", 8)],
    "rss_media_credit_role_upper_case.xml": [(E, "media-credit-role-invalid", 13)],
    "rss_text_in_channel.xml": [(E, "rss-text-unexpected", 3)],
    "rss_textinput_name_invalid.xml": [(E, "rss-textinput-name-invalid", 11)],
    "rss_opensearch_query_role_invalid.xml": [(E, "ext-attribute-invalid", 8)],
    "rss_slash_hit_parade_invalid.xml": [(E, "ext-value-invalid", 13)],
    "atom_thr_count_invalid.xml": [(E, "ext-thr-link-invalid", 13)],
    "atom_thr_when_obsolete.xml": [(E, "ext-thr-when-obsolete", 13)],
    "atom_text_in_entry.xml": [(E, "atom-text-unexpected", 8)],
    "atom_paging_past_end.xml": [(E, "fh-link-past-end", 2)],
    "atom_xhtml_contains_atom_element.xml": [(E, "atom-xhtml-element-misplaced", 16)],
    "rss_sy_update_period_twice.xml": [(E, "ext-element-duplicate", 9)],
    "atom_tombstone_by_without_name.xml": [(E, "at-by-name-missing", 9)],
    "not_a_feed.html": [(E, "feed-not-a-feed", 0)],
    # RSS 1.0 is checked (RSS 1.0 5.3): this channel lacks link, description and items
    "rss_1_0_rdf.xml": [(E, "rss-element-missing", 3), (E, "rss-element-missing", 3),
                        (E, "rss-element-missing", 3)],
    "unknown_root.xml": [(E, "feed-root-unknown", 2)],
    "empty.xml": [(E, "feed-empty", 0)],
    "binary.bin": [(E, "feed-not-a-feed", 0)],
}


def test_every_fixture_has_an_expectation() -> None:
    assert sorted(p.name for p in DATA.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_findings(name: str) -> None:
    findings = validate_bytes((DATA / name).read_bytes())
    assert [(f.severity, f.rule, f.line) for f in findings] == EXPECTED[name]
    assert has_errors(findings) == any(s == E for s, _, _ in EXPECTED[name])


def test_finding_carries_message_line_and_column() -> None:
    findings = validate_bytes((DATA / "rss_pubdate_hour_out_of_range.xml").read_bytes())
    assert findings == [Finding(
        "error", "rss-pubdate-invalid",
        'pubDate "Sat, 7 Dec 2024 25:00 GMT" is not an RFC 822 date (a field is out of range)',
        12, 1)]


def test_column_points_at_the_element_on_its_line() -> None:
    [finding] = validate_bytes((DATA / "rss_image_width_too_large.xml").read_bytes())
    line = (DATA / "rss_image_width_too_large.xml").read_text().splitlines()[finding.line - 1]
    assert line[finding.column - 1:].startswith("<width>")


def test_json_findings_point_at_the_key() -> None:
    [finding] = validate_bytes((DATA / "json_id_duplicate.json").read_bytes())
    assert (finding.line, finding.column) == (15, 7)
    line = (DATA / "json_id_duplicate.json").read_text().splitlines()[14]
    assert line[finding.column - 1:].startswith('"id"')


def test_finding_is_frozen() -> None:
    finding = Finding("error", "x", "m", 1, 2)
    with pytest.raises(AttributeError):
        finding.rule = "y"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("name", "expected"),
    [("rss_valid.xml", "rss"), ("atom_valid.xml", "atom"), ("json_valid.json", "json"),
     ("rss_utf16_with_bom.xml", "rss"), ("not_a_feed.html", None), ("empty.xml", None),
     ("binary.bin", None), ("rss_1_0_rdf.xml", "rss"), ("atom_obsolete_namespace.xml", None)],
)
def test_detect_format_from_content(name: str, expected: str | None) -> None:
    assert detect_format((DATA / name).read_bytes()) == expected


def test_detect_format_ignores_prolog_comments_and_prefixes() -> None:
    data = b'<?xml version="1.0"?>\n<!-- hi -->\n<a:feed xmlns:a="http://www.w3.org/2005/Atom"/>'
    assert detect_format(data) == "atom"


def test_has_errors_ignores_warnings() -> None:
    assert not has_errors([Finding("warning", "w", "m", 0, 0)])
    assert has_errors([Finding("warning", "w", "m", 0, 0), Finding("error", "e", "m", 0, 0)])
    assert not has_errors([])


def test_size_cap() -> None:
    data = (DATA / "rss_valid.xml").read_bytes()
    findings = validate_bytes(data, max_bytes=100)
    assert [(f.rule, f.line) for f in findings] == [("feed-too-large", 0)]


@pytest.mark.parametrize("data", [b"\x00", b"<", b"{", b"[1, 2]", b"\xff\xfe<\x00", b"<?xml",
                                  b"<rss version='2.0'><channel/></rss>" * 2, b"\xef\xbb\xbf",
                                  b'{"items": 5}', b"<feed xmlns='http://www.w3.org/2005/Atom'/>"])
def test_never_raises_on_odd_input(data: bytes) -> None:
    findings = validate_bytes(data)
    assert all(isinstance(f, Finding) for f in findings)
    assert has_errors(findings)
    assert not any(f.rule == "validator-internal-error" for f in findings)


def test_sample_feeds_are_clean() -> None:
    """Our own published feeds (feeds/) give no error and no warning."""
    from feedpub.formats import FEED_FILES

    feeds = Path(__file__).resolve().parents[1] / "feeds"
    samples = sorted(p for p in feeds.glob("*") if p.name in FEED_FILES) if feeds.is_dir() else []
    if not samples:
        pytest.skip("no rendered sample feeds in feeds/")
    for path in samples:
        assert validate_bytes(path.read_bytes()) == [], path.name


def _rule_ids_in_code() -> set[str]:
    import re

    package = Path(__file__).resolve().parents[1] / "feedpub" / "validate"
    pattern = re.compile(
        r'"((?:xml|feed|rss1|rss|atom|json|ext|html|link|fh|at|itunes|media|validator|http|source)-[a-z0-9-]+)"')
    found: set[str] = set()
    for source in package.glob("*.py"):
        found |= set(pattern.findall(source.read_text(encoding="utf-8")))
    found -= {"xml-rpc", "http-post"}  # cloud protocol values, not rules
    return found | {"rss-pubdate-invalid", "rss-lastbuilddate-invalid"}  # f"rss-{tag}-invalid"


def test_every_rule_is_documented() -> None:
    import re

    doc = (Path(__file__).resolve().parents[1] / "docs" / "validate.md").read_text()
    documented = set(re.findall(r"^\| `([a-z][a-z0-9-]+)`", doc, re.MULTILINE))
    documented |= set(re.findall(r"^\| `[a-z0-9-]+` / `([a-z0-9-]+)`", doc, re.MULTILINE))
    assert _rule_ids_in_code() - documented == set()
    assert documented - _rule_ids_in_code() == set()


def test_columns_are_right_in_a_feed_written_on_one_line() -> None:
    """Several elements of one name on a line: each finding points at its own element."""
    items = "".join(f"<item><title>{i}</title><guid>{'bad guid' if i == 2 else f'https://e.org/{i}'}"
                    "</guid></item>" for i in range(4))
    data = ('<rss version="2.0"><channel><title>t</title><link>https://e.org/</link>'
            f"<description>d</description>{items}</channel></rss>").encode()
    [finding] = [f for f in validate_bytes(data) if f.rule == "rss-guid-not-url"]
    assert finding.line == 1
    assert data.decode()[finding.column - 1:].startswith("<guid>bad guid</guid>")


@pytest.mark.parametrize(("name", "old", "new"), [
    ("rss_valid.xml", 'rel="self"', 'rel="self" via="x"'),
    ("atom_valid.xml", "<name>Newsroom</name>", '<name role="desk">Newsroom</name>'),
])
def test_unknown_attributes_on_atom_links_in_rss_and_person_names(name: str, old: str,
                                                                   new: str) -> None:
    text = (DATA / name).read_text()
    assert old in text
    assert [f.rule for f in validate_bytes(text.replace(old, new).encode())] == [
        "atom-attribute-unknown"]


@pytest.mark.parametrize(("name", "old", "new", "rule"), [
    ("rss_valid.xml", "<item>", '<item xml:lang="english">', "rss-language-invalid"),
    ("rss_valid.xml", "<channel>", '<channel xml:lang="">', None),  # "" means no language
    ("atom_valid.xml", "<title>Polls open</title>", '<title xml:lang="english">Polls open</title>',
     "atom-language-invalid"),
    ("atom_valid.xml", "<link rel=\"self\"", '<link xml:base="a b" rel="self"', "atom-uri-invalid"),
])
def test_xml_lang_and_base_are_checked_on_every_element(name: str, old: str, new: str,
                                                        rule: str | None) -> None:
    text = (DATA / name).read_text()
    assert old in text
    assert [f.rule for f in validate_bytes(text.replace(old, new).encode())] == (
        [rule] if rule else [])
