"""The reference mapping beyond the corpus: toggles -> disabled services, sources,
hieradata_override, and the renderer ignoring services it does not have."""
from __future__ import annotations

from pathlib import Path

import pytest

from undercroft.config import loader
from undercroft.config.translate import SERVICE_TOGGLES, translate
from undercroft.errors import ConfigError
from undercroft.model.schema import Environment, Role
from undercroft.render.parameters import enabled_services


def tr(tmp_path, text):
    p = tmp_path / "undercloud.conf"
    p.write_text(text)
    return translate(loader.load(p))


def test_defaults_disable_the_services_tripleoclient_leaves_out(tmp_path):
    t = tr(tmp_path, "[DEFAULT]\n")
    assert set(t.disabled_services) == {"cinder", "novajoin", "telemetry"}
    assert t.requested_services == ()


def test_enable_ironic_false_disables_inspector_too(tmp_path):
    t = tr(tmp_path, "[DEFAULT]\nenable_ironic = false\nenable_ironic_inspector = true\n")
    assert {"ironic", "ironic_inspector"} <= set(t.disabled_services)
    assert "IronicEnabledHardwareTypes" not in t.parameters
    assert any("enable_ironic_inspector = true has no effect" in w for w in t.warnings)


def test_explicitly_enabled_services_are_requested(tmp_path):
    t = tr(tmp_path, "[DEFAULT]\nenable_cinder = true\nenable_mistral = true\n")
    assert t.requested_services == ("mistral", "cinder")
    assert "cinder" not in t.disabled_services


def test_every_toggle_is_an_option():
    from undercroft.config import options
    names = {o.dest for o in options.DEFAULT_OPTS}
    assert set(SERVICE_TOGGLES) <= names


def test_sources_name_the_line_or_the_default(tmp_path):
    t = tr(tmp_path, "[DEFAULT]\nipxe_enabled = false\n")
    p = tmp_path / "undercloud.conf"
    assert t.sources["IronicIPXEEnabled"] == f"{p}:2 ipxe_enabled"
    assert t.sources["IronicInspectorIPXEEnabled"] == f"{p}:2 ipxe_enabled"
    assert t.sources["NovaSchedulerMaxAttempts"] == "default (scheduler_max_attempts)"
    assert t.sources["SELinuxMode"] == "computed from default (undercloud_enable_selinux)"


def test_hieradata_override_heat_env_becomes_the_first_env_file(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "hiera.yaml").write_text("parameter_defaults:\n  Debug: false\n")
    (tmp_path / "extra.yaml").write_text("parameter_defaults: {}\n")
    t = tr(tmp_path, "[DEFAULT]\nhieradata_override = hiera.yaml\n"
                     "custom_env_files = extra.yaml\n")
    assert t.settings.env_files == (tmp_path / "hiera.yaml", tmp_path / "extra.yaml")


def test_hieradata_keys_warn(tmp_path):
    (tmp_path / "hiera.yaml").write_text("ironic::conductor::foo: 1\n")
    t = tr(tmp_path, f"[DEFAULT]\nhieradata_override = {tmp_path / 'hiera.yaml'}\n")
    assert t.settings.env_files == ()
    assert any("holds hieradata (ironic::conductor::foo, ...), which has no effect" in w
               for w in t.warnings)


def test_unusable_values_are_reported_together(tmp_path):
    with pytest.raises(ConfigError) as e:
        tr(tmp_path, "[DEFAULT]\nlocal_ip = x\ncustom_env_files = nope.yaml\n"
                     "[ctlplane-subnet]\ngateway = y\n")
    assert "(and 2 more problems below)" in e.value.message
    assert len(e.value.detail.splitlines()) == 2


def test_renderer_ignores_disabled_services_it_does_not_have():
    role = Role(name="R", services=["mariadb", "keystone", "ironic"])
    catalog = {"mariadb": object(), "keystone": object(), "ironic": object(), "extra": object()}
    names = enabled_services(role, [], catalog, Path("r.yaml"),
                             conf_disabled=["ironic", "telemetry", "ui"])
    assert names == ["mariadb", "keystone"]
    env = Environment(enable_services=["ironic"])
    assert enabled_services(role, [(Path("e.yaml"), env)], catalog, Path("r.yaml"),
                            conf_disabled=["ironic"]) == ["mariadb", "keystone", "ironic"]
