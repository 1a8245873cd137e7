"""The deliberate differences from tripleoclient's parameters (config/differences.py)."""
from __future__ import annotations

from pathlib import Path

import yaml

from undercroft.config import differences, loader
from undercroft.config.translate import translate

GOOD = Path(__file__).parent / "corpus" / "good"


def test_ids_are_unique_and_own_parameters_are_not_tripleoclients():
    ids = [d.id for d in differences.DIFFERENCES]
    assert len(ids) == len(set(ids))
    assert not {d.parameter for d in differences.DIFFERENCES} & set(differences.OWN)
    for d in differences.DIFFERENCES:  # either turned back into tripleoclient's, or absent
        assert (d.to_tripleoclient is None) != (d.tripleoclient_emits is None), d.id


def test_every_difference_but_the_config_path_applies_to_a_good_file():
    """Each listed difference is checked against tripleoclient's own parameters by the
    corpus (test_corpus); the config file's path is the one a corpus file cannot show
    (tripleoclient reads ~/undercloud.conf, and so does the test), so it is tested here."""
    used = set()
    for spec in GOOD.glob("*.yaml"):
        used |= set(yaml.safe_load(spec.read_text()).get("differences", []))
    assert {d.id for d in differences.DIFFERENCES} - used == {"config-file-path"}


def test_a_file_given_with_config_is_the_config_file_path(write_conf, monkeypatch, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    p = write_conf(name="site.conf")
    uc = loader.load(p)
    params = translate(uc).parameters
    assert params["UndercloudConfigFilePath"] == str(p)
    [d] = [d for d in differences.applying(uc, params) if d.parameter == "UndercloudConfigFilePath"]
    assert d.to_tripleoclient(params["UndercloudConfigFilePath"], uc) == \
        str(home / "undercloud.conf")
    assert differences.marks(uc, params)["UndercloudConfigFilePath"] == (
        "deliberate difference from tripleoclient: the file read: --config's, or "
        "~/undercloud.conf (see docs/undercloud-conf.md)")


def test_no_difference_applies_when_the_values_are_tripleoclients(write_conf, monkeypatch):
    p = write_conf()
    monkeypatch.setenv("HOME", str(p.parent))  # the file is ~/undercloud.conf
    uc = loader.load(p)
    params = translate(uc).parameters
    assert [d.id for d in differences.applying(uc, params)] == ["no-container-image-prepare"]
    assert differences.marks(uc, params) == {}  # nothing emitted to mark
