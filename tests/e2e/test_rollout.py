"""Rolling updates and interrupted replacements, over SSH on the three deploy hosts."""

from __future__ import annotations

import pytest

from tests.e2e import harness

HOSTS = ("dp-1", "dp-2", "dp-3")
NAME, PORT = "e2e-roll", 18111
CONFIG_LABEL = "ascend-doctor.config"


def roll(max_num_seqs: int, broken_on: str | None = None, hosts=HOSTS) -> dict[str, list[dict]]:
    return {host: [harness.service(NAME, "qwen3-vl-4b", [1], PORT,
                                   extra_args=["--max-num-seqs", str(max_num_seqs)]
                                   + (["--max-model-len", "999999"] if host == broken_on else []))]
            for host in hosts}


@pytest.fixture(scope="module")
def rolled(site):
    site.clear()
    first = harness.playbook(site.inventory("roll.yml", roll(8)))
    assert first.rc == 0, first.output[-6000:]
    yield
    site.clear()


def label(site, host: str) -> str:
    return site.inspect(host, NAME)["Config"]["Labels"][CONFIG_LABEL]


def test_a_failing_host_stops_the_rollout_and_later_hosts_keep_their_service(site, rolled):
    before = {host: (site.container_id(host, NAME), label(site, host)) for host in HOSTS}
    play = harness.playbook(site.inventory("roll-broken.yml", roll(6, broken_on="dp-2")))
    assert play.rc != 0
    assert "failed and was not put in place" in play.output
    assert site.container_id("dp-1", NAME) != before["dp-1"][0] and label(site, "dp-1") != before["dp-1"][1]
    assert (site.container_id("dp-2", NAME), label(site, "dp-2")) == before["dp-2"]      # put back, proven
    assert (site.container_id("dp-3", NAME), label(site, "dp-3")) == before["dp-3"]      # never reached
    assert "dp-3" not in play.output.split("PLAY RECAP")[-1]
    for host in HOSTS:
        assert site.chat(host, PORT, "qwen3vl") is not None


# Where a replacement can be cut short; the next run must end with one proven service. Between them:
# the old one renamed but serving, the old one stopped, the new one loading, the new one proven.
KILL_POINTS = [
    "service : Keep the old container from restarting with the host while it is aside",
    "service : Wait until npu-smi shows the chips released, 1",
    f"service : Wait until it answers /health or stops, {NAME}",
    "service : Remove the old container",
]


@pytest.mark.parametrize("step", range(len(KILL_POINTS)), ids=[k.split(" : ")[1][:40] for k in KILL_POINTS])
def test_a_replacement_killed_at_any_step_is_put_right_by_the_next_run(site, rolled, step):
    # two configurations in turn, each a change from the last; vLLM's compile cache on the host keeps both
    inventory = site.inventory(f"interrupt-{step}.yml", roll(6 if step % 2 == 0 else 8, hosts=("dp-3",)))
    killed = harness.playbook(inventory, kill_at=KILL_POINTS[step])
    assert killed.killed_at, f"the play never reached {KILL_POINTS[step]}:\n{killed.output[-4000:]}"

    rerun = harness.playbook(inventory)
    assert rerun.rc == 0, rerun.output[-6000:]
    assert_one_proven_service(site, "dp-3")


def test_a_first_start_killed_while_proving_is_proven_by_the_next_run(site, rolled):
    site.clear("dp-3")
    inventory = site.inventory("interrupt-start.yml", roll(8, hosts=("dp-3",)))
    killed = harness.playbook(inventory, kill_at=f"service : Wait until it answers /health or stops, {NAME}")
    assert killed.killed_at, killed.output[-4000:]
    rerun = harness.playbook(inventory)
    assert rerun.rc == 0, rerun.output[-6000:]
    assert_one_proven_service(site, "dp-3")


def assert_one_proven_service(site, host: str) -> None:
    assert {n for n in site.containers(host) if n.startswith(NAME)} == {NAME}
    state = site.inspect(host, NAME)
    assert state["State"]["Running"] and state["HostConfig"]["RestartPolicy"]["Name"] == "unless-stopped"
    assert site.definition(host, NAME)["config"] == state["Config"]["Labels"][CONFIG_LABEL]
    assert site.chat(host, PORT, "qwen3vl") is not None
