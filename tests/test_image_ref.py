"""Image references read the way docker reads them, and refused with a reason when docker would not."""

from __future__ import annotations

import dataclasses

import pytest

from doctor.image_ref import ImageRef, ImageRefError, check_digest, parse

A64, B64 = "a" * 64, "0123456789abcdef" * 4

GOOD = [  # (text, registry, repository, tag, digest)
    ("quay.io/ascend/vllm-ascend:v0.11.0rc0", "quay.io", "ascend/vllm-ascend", "v0.11.0rc0", None),
    ("127.0.0.1:5000/ascend/vllm-ascend:v0.11.0rc0-standin", "127.0.0.1:5000", "ascend/vllm-ascend",
     "v0.11.0rc0-standin", None),
    ("10.213.0.1:5000/ascend/vllm-ascend", "10.213.0.1:5000", "ascend/vllm-ascend", None, None),
    ("registry:5000/repo", "registry:5000", "repo", None, None),          # a port, not a tag
    ("registry:5000/repo:5000", "registry:5000", "repo", "5000", None),
    ("localhost/x:1", "localhost", "x", "1", None),
    ("localhost:5000", None, "localhost", "5000", None),                  # no '/': name and tag, as docker has it
    ("ubuntu", None, "ubuntu", None, None),                               # Docker Hub implied, not added
    ("library/ubuntu:22.04", None, "library/ubuntu", "22.04", None),
    (f"repo@sha256:{A64}", None, "repo", None, f"sha256:{A64}"),
    (f"repo:tag@sha256:{B64}", None, "repo", "tag", f"sha256:{B64}"),
    ("quay.io/ascend/vllm-ascend:v0.11.0-a3-openeuler", "quay.io", "ascend/vllm-ascend", "v0.11.0-a3-openeuler", None),
    ("Registry.Example.COM/a/b/c:Tag_1.x", "Registry.Example.COM", "a/b/c", "Tag_1.x", None),   # host names: any case
    ("[::1]:5000/x:1", "[::1]:5000", "x", "1", None),
    ("my-registry.local/a__b/c---d/e.f:_", "my-registry.local", "a__b/c---d/e.f", "_", None),
    ("x:" + "t" * 128, None, "x", "t" * 128, None),
]


@pytest.mark.parametrize("text, registry, repository, tag, digest", GOOD, ids=[g[0][:40] for g in GOOD])
def test_good_references(text, registry, repository, tag, digest):
    ref = parse(text)
    assert (ref.registry, ref.repository, ref.tag, ref.digest) == (registry, repository, tag, digest)
    assert str(ref) == text
    assert ref.name == (f"{registry}/{repository}" if registry else repository)


@pytest.mark.parametrize("text, pinned, run_ref", [
    ("quay.io/ascend/vllm-ascend:v0.11.0rc0", None, "quay.io/ascend/vllm-ascend:v0.11.0rc0"),
    (f"repo:tag@sha256:{A64}", f"repo@sha256:{A64}", f"repo@sha256:{A64}"),       # the digest is what runs
    (f"registry:5000/repo@sha256:{A64}", f"registry:5000/repo@sha256:{A64}", f"registry:5000/repo@sha256:{A64}"),
])
def test_what_docker_runs(text, pinned, run_ref):
    ref = parse(text)
    assert (ref.pinned, ref.run_ref) == (pinned, run_ref)


def test_a_reference_without_tag_or_digest_has_nothing_to_run():
    ref = parse("registry:5000/repo")
    with pytest.raises(ImageRefError, match="'registry:5000/repo' has no tag or digest"):
        ref.run_ref


def test_a_digest_can_be_added_and_is_checked():
    ref = parse("quay.io/ascend/vllm-ascend:v0.11.0rc0").with_digest(f"sha256:{A64}")
    assert ref.run_ref == f"quay.io/ascend/vllm-ascend@sha256:{A64}" and ref.tagged.endswith(":v0.11.0rc0")
    with pytest.raises(ImageRefError, match="digest must be sha256: and 64 hex digits"):
        ref.with_digest("sha256:abc")


def test_an_image_ref_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        parse("ubuntu:22.04").tag = "latest"  # type: ignore[misc]
    assert parse("ubuntu:22.04") == ImageRef(None, "ubuntu", "22.04")


BAD = [  # (text, a phrase the message must hold)
    ("", "the image reference is empty"),
    (None, "must be a string, not NoneType"),
    (5, "must be a string, not int"),
    ("ubuntu 22.04", "contains whitespace ' '"),
    (" ubuntu", "contains whitespace ' '"),
    ("ubuntu\n--privileged", "contains whitespace '\\n'"),
    ("ubuntu\t", "contains whitespace '\\t'"),
    ("ubuntu\x00", "contains characters '\\x00'"),
    ("img;reboot", "contains characters ';'"),
    ("img$(id)", "contains characters '$' '(' ')'"),
    ("vllm-äscend:1", "contains characters 'ä'"),
    ("ｕbuntu", "contains characters"),
    ("-flag", "starts with '-', which docker would read as an option"),
    ("--privileged", "starts with '-'"),
    ("https://quay.io/ascend/vllm-ascend:v1", "is a URL"),
    ("://", "is a URL"),
    ("x:" + "t" * 300, "the tag is 300 characters, more than 128"),
    ("x:" + "t" * 129, "the tag is 129 characters"),
    ("a/" * 300 + "b", "is 601 characters, longer than any valid reference"),
    ("a" * 256 + ":1", "the name is 256 characters, more than 255"),
    ("ubuntu:", "empty tag after ':'"),
    ("ubuntu:.x", "tag '.x' must be"),
    ("ubuntu:-x", "tag '-x' must be"),
    ("host:99999/x:1", "port 99999 is not a TCP port (1-65535)"),
    ("host:0/x:1", "port 0 is not a TCP port"),
    ("host:/x:1", "registry port '' is not a number"),
    ("host:port/x:1", "registry port 'port' is not a number"),
    ("a:b:c/x", "registry 'a:b:c' is not host[:port]"),
    ("bad_host.io/x:1", "registry host 'bad_host.io' is not a host name"),
    ("-bad.io/x:1", "starts with '-'"),
    ("quay.io/-bad/x:1", "path component '-bad' must be lowercase"),
    ("Ubuntu:22.04", "uppercase in repository 'Ubuntu'"),
    ("quay.io/Ascend/vllm-ascend:v1", "uppercase in repository 'Ascend/vllm-ascend'"),
    ("a//b:1", "empty path component"),
    ("quay.io/:1", "no repository"),
    ("a/b:c/d", "'b:c' is not a path component"),
    ("quay.io/", "no repository"),
    ("quay.io/x/", "empty path component"),
    (f"@sha256:{A64}", "no repository"),
    ("repo@sha256:abc", "digest must be sha256: and 64 hex digits"),
    (f"repo@sha256:{A64.upper()}", "digest must be sha256: and 64 hex digits (lowercase)"),
    (f"repo@sha512:{A64}{A64}", "digest must be sha256:"),
    (f"repo@{A64}", "digest must be sha256:"),
    (f"repo@sha256:{A64}@sha256:{A64}", "more than one '@'"),
    ("repo@", "digest must be sha256:"),
    ("a__-b:1", "path component 'a__-b' must be"),
    ("a.:1", "path component 'a.' must be"),
]


@pytest.mark.parametrize("text, phrase", BAD, ids=[repr(b[0])[:40] for b in BAD])
def test_bad_references_say_what_is_wrong(text, phrase):
    with pytest.raises(ImageRefError) as refused:
        parse(text)
    message = str(refused.value)
    assert phrase in message, message
    assert isinstance(refused.value, ValueError)
    assert len(message) < 400 and "\n" not in message         # one readable line, even for hostile input


@pytest.mark.parametrize("digest", ["", "sha256:", "sha256:" + "g" * 64, "sha256:" + "a" * 63, None, 7])
def test_check_digest(digest):
    with pytest.raises(ImageRefError, match="digest must be sha256: and 64 hex digits"):
        check_digest(digest)
    assert check_digest(f"sha256:{A64}") == f"sha256:{A64}"
