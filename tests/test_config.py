"""statusgen.toml: errors with their lines, warnings for unknown keys."""

from __future__ import annotations

from tests.conftest import CONFIG, SiteMaker, load, messages


def test_toml_syntax_error_names_its_line(make_site: SiteMaker) -> None:
    loaded = load(make_site(config='title = "X"\nbase_url = https://x\n'))
    assert messages(loaded) == [
        "statusgen.toml:2:12: error: statusgen.toml is not valid TOML: Invalid value [config-syntax]"
    ]


def test_base_url_must_be_absolute(make_site: SiteMaker) -> None:
    loaded = load(make_site(config=CONFIG.replace("https://status.example.com/", "/status/")))
    assert messages(loaded) == [
        "statusgen.toml:2:1: error: base_url must be an absolute http(s) URL such as 'https://status.example.com/', "
        "found '/status/' [config-base-url]"
    ]


def test_base_url_override_is_checked_too(make_site: SiteMaker) -> None:
    loaded = load(make_site(), base_url="status.example.com")
    assert [d.code for d in loaded.diagnostics] == ["config-base-url"]
    assert "--base-url must be an absolute" in loaded.diagnostics[0].message


def test_unknown_key_and_section_warn_and_strict_refuses(make_site: SiteMaker) -> None:
    config = CONFIG + '\n[policy.postmortem]\ndue_withn = "5d"\n\n[policy.cadence]\nx = 1\n'
    root = make_site(config=config)
    loaded = load(root)
    assert loaded.site is not None
    assert messages(loaded) == [
        "statusgen.toml:24:1: warning: unknown key 'due_withn' in [policy.postmortem]; it is ignored; "
        "did you mean 'due_within'? [config-unknown-key]",
        "statusgen.toml:26:1: warning: unknown section [policy.cadence]; it is ignored [config-unknown-key]",
    ]
    assert load(root, strict=True).site is None


def test_component_errors(make_site: SiteMaker) -> None:
    config = CONFIG + '\n[[components]]\nid = "API"\nname = "Dup"\n\n[[components]]\nid = "web"\nname = "Again"\ngroup = "cor"\n'
    assert messages(load(make_site(config=config))) == [
        "statusgen.toml:24:1: error: component id must be lowercase letters, digits and single hyphens (it becomes a URL), "
        "found 'API' [config-id]",
        "statusgen.toml:28:1: error: component id 'web' is used twice (first on line 15) [config-duplicate-id]",
        "statusgen.toml:30:1: error: component group 'cor' is not declared in [[groups]]; did you mean 'core'? "
        "[config-unknown-group]",
    ]


def test_timezone_and_types(make_site: SiteMaker) -> None:
    config = CONFIG.replace('timezone = "UTC"', 'timezone = "Mars/Olympus"\noverview_days = "seven"')
    assert messages(load(make_site(config=config))) == [
        "statusgen.toml:3:1: error: timezone must be an IANA time zone name such as 'UTC' or 'Europe/Paris', "
        "found 'Mars/Olympus' [config-timezone]",
        "statusgen.toml:4:1: error: overview_days must be a whole number, found the string 'seven' [config-type]",
    ]


def test_missing_config(make_site: SiteMaker) -> None:
    loaded = load(make_site(config=None))
    assert [d.code for d in loaded.diagnostics] == ["config-missing"]


def test_policy_values_are_typed(make_site: SiteMaker) -> None:
    config = CONFIG + '\n[policy.postmortem]\nseverities = ["sev1"]\ndue_within = "2d"\neffective_from = 2026-01-01\n'
    loaded = load(make_site(config=config))
    assert loaded.site is not None
    policy = loaded.site.config.postmortem_policy
    assert [s.value for s in policy.severities] == ["sev1"]
    assert policy.due_within.days == 2
    assert str(policy.effective_from) == "2026-01-01"
