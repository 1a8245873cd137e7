"""status.collect and status.of_deployment against FakePodman."""
from __future__ import annotations

from types import SimpleNamespace

from undercroft.lifecycle import status
from undercroft.runtime.protocol import UnitState

from ..fakes import FakePodman, desired, observed_like


def test_collect_health_per_service():
    obs = [observed_like(desired("mysql_bootstrap", "mariadb", 2, 1, oneshot=True), state="exited"),
           observed_like(desired("mysql", "mariadb", 2, 2), state="running"),
           observed_like(desired("keystone_db_sync", "keystone", 3, oneshot=True),
                         state="exited", exit_code=1),
           observed_like(desired("rabbitmq", "rabbitmq", 2), state="exited", exit_code=1),
           observed_like(desired("memcached", "memcached", 2), state="running")]
    podman = FakePodman(observed=obs, health={"memcached": 1})
    result = status.collect(podman, "undercloud", expected={"keystone": ["keystone_db_sync", "keystone"]})
    by = {s.service: s for s in result}
    assert [s.service for s in result] == ["mariadb", "memcached", "rabbitmq", "keystone"]
    assert by["mariadb"].healthy
    assert [(c.name, c.health) for c in by["mariadb"].containers] == [
        ("mysql", "healthy"), ("mysql_bootstrap", "completed")]  # (step, service, name) order
    assert [(c.name, c.health) for c in by["keystone"].containers] == [
        ("keystone_db_sync", "failed"), ("keystone", "missing")]
    assert not by["memcached"].healthy and not by["rabbitmq"].healthy and not by["keystone"].healthy
    # only running long-running containers are probed
    assert sorted(podman.names("healthcheck")) == ["memcached", "mysql"]
    assert podman.writes == []
    assert by["mariadb"].containers[0].image == "localhost/undercroft/mariadb:v1"
    d = status.as_dict(result)
    assert d[0]["service"] == "mariadb" and d[0]["healthy"] is True
    assert [{k: c[k] for k in ("name", "state", "health")} for c in d[0]["containers"]] == [
        {"name": "mysql", "state": "running", "health": "healthy"},
        {"name": "mysql_bootstrap", "state": "exited", "health": "completed"}]
    assert d[3]["healthy"] is False


def test_endpoints_and_restarts_count_towards_health():
    obs = [observed_like(desired("glance_api", "glance", 4), state="running")]
    podman = FakePodman(observed=obs, units={"glance_api": UnitState("running", 0, restarts=2)})
    down = status.EndpointStatus("public", "https://192.168.24.2:13292", "ConnectionRefusedError",
                                 False)
    [s] = status.collect(podman, "undercloud", endpoints={"glance": [down]})
    assert s.containers[0].restarts == 2 and s.containers[0].health == "healthy"
    assert not s.healthy  # the container is fine but clients cannot reach the API
    d = status.as_dict([s])[0]
    assert d["endpoints"] == [{"interface": "public", "url": "https://192.168.24.2:13292",
                               "result": "ConnectionRefusedError", "reachable": False}]


def test_of_deployment_adds_missing_containers_and_probes_only_a_deployed_one():
    rendered = SimpleNamespace(containers=[
        SimpleNamespace(desired=desired("memcached", "memcached", 2)),
        SimpleNamespace(desired=desired("rabbitmq", "rabbitmq", 2))])
    dep = SimpleNamespace(rendered=rendered, settings=SimpleNamespace(deployment_name="undercloud"))
    probed = []

    def endpoints():
        probed.append(True)
        return {}

    assert status.of_deployment(dep, FakePodman(), endpoints)[0].containers[0].health == "missing"
    assert probed == []  # nothing deployed: no endpoint can answer
    up = FakePodman(observed=[observed_like(desired("memcached", "memcached", 2))])
    result = status.of_deployment(dep, up, endpoints)
    assert probed == [True]
    assert [(s.service, [c.health for c in s.containers]) for s in result] == [
        ("memcached", ["healthy"]), ("rabbitmq", ["missing"])]
