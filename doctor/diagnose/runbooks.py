"""The runbook pages of the diagnose codes (error signatures SIG*, command rules CMD*), rendered from
their data so the page and what `diagnose` says cannot drift apart; docs/runbooks holds the rendering."""

from __future__ import annotations

from doctor.diagnose import lint_commands, signatures


def codes() -> list[str]:
    return [s.code for s in signatures.signatures()] + list(lint_commands.RULES)


def name_of(code: str) -> str | None:
    sig = signatures.by_code(code)
    if sig is not None:
        return sig.code
    wanted = code.strip()
    rule = next((r for r in lint_commands.RULES.values() if r.code == wanted.upper() or r.name == wanted.lower()),
                None)
    return rule.code if rule else None


def render(code: str) -> str:
    sig = signatures.by_code(code)
    if sig is not None:
        return _page(sig.code, sig.name, sig.title, [
            ("What it checks", f"Pasted logs and outputs (`ascend-doctor diagnose`) for: {sig.title}."),
            ("Why it matters", f"{sig.root_cause}\n\n{sig.why}"),
            ("How it is detected", _detection(sig)),
            ("Fix", sig.fix + "\n\nWhen the paste cannot decide, paste next: " + "; ".join(sig.paste_next) + "."),
            ("False positives", sig.false_positives),
            ("References", "\n".join(f"- {s['what']}: {s['url']}" for s in sig.sources)),
        ])
    rule = lint_commands.RULES[code]
    return _page(rule.code, rule.name, f"makes sure {rule.title}", [
        ("What it checks", f"`docker run` (and `vllm serve`) command lines in a paste (`ascend-doctor diagnose`): "
                           f"{rule.title}."),
        ("Why it matters", rule.why),
        ("How it is detected", "The command is split as a POSIX shell does (continuation lines joined); options "
                               "whose values are unresolved `$VARIABLES` are not judged, and their values are asked "
                               "for under \"paste this next\"."),
        ("Fix", rule.fix),
        ("False positives", rule.false_positives),
        ("References", "\n".join(f"- {what}: {url}" for url, what in rule.sources)),
    ])


def _detection(sig) -> str:
    lines = [f"- **{sig.status}** (confidence {sig.confidence:.0%}) when a line matches one of:"]
    lines += [f"  - `{regex.pattern}`" for _, regex in sig.patterns]
    lines.append("- Each matching line is quoted with its line number (at most three).")
    return "\n".join(lines)


def _page(code: str, name: str, title: str, sections: list[tuple[str, str]]) -> str:
    body = [f"# {code} {name}", "", title[:1].upper() + title[1:] + ".", ""]
    for heading, text in sections:
        body += [f"## {heading}", "", text.strip(), ""]
    return "\n".join(body)
