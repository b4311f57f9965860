"""Follower networks: CSR validity, user types, heavy tails, file import errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from simulator.config import ComplaintConfig, NetworkConfig
from simulator.netio import NetworkFileError, read_network
from simulator.network import UserType, complete, erdos_renyi, synthetic, with_advocates

NETS = Path(__file__).resolve().parents[1] / "fixtures" / "networks"


def _valid_csr(net) -> None:  # type: ignore[no-untyped-def]
    assert net.indptr[0] == 0 and net.indptr[-1] == net.indices.size
    assert (np.diff(net.indptr) >= 0).all()
    assert net.indices.min() >= 0 and net.indices.max() < net.n
    for u in range(0, net.n, max(1, net.n // 50)):
        f = net.followers(u)
        assert (np.diff(f) > 0).all(), "followers sorted and unique"
        assert u not in f, "no self-follow"


def test_synthetic_graph_is_valid_typed_and_heavy_tailed() -> None:
    cfg = NetworkConfig(users=20_000, mean_followers=15, media_outlets=3)
    net = synthetic(cfg, ComplaintConfig(complainant_followers=500))
    _valid_csr(net)
    assert net.n == 20_000 + 1 + 3 + 1
    assert net.types[net.brand] == UserType.BRAND
    assert all(net.types[m] == UserType.MEDIA for m in net.media)
    assert net.follower_counts()[net.complainant] == 500
    counts = net.follower_counts()[:20_000]
    assert abs(counts.mean() - 15) < 1.0
    assert counts.max() > 20 * counts.mean(), "a heavy tail: some accounts are huge"
    assert np.count_nonzero(net.types == UserType.INFLUENCER) == 20
    assert 10 < net.n_star() < 40


def test_same_seed_same_graph_other_seed_differs() -> None:
    a = synthetic(NetworkConfig(users=2000, seed=4), ComplaintConfig())
    b = synthetic(NetworkConfig(users=2000, seed=4), ComplaintConfig())
    c = synthetic(NetworkConfig(users=2000, seed=5), ComplaintConfig())
    assert np.array_equal(a.indices, b.indices) and np.array_equal(a.indptr, b.indptr)
    assert not np.array_equal(a.indices, c.indices)


def test_advocates_are_brand_followers() -> None:
    net = synthetic(NetworkConfig(users=5000, brand_audience=0.2), ComplaintConfig())
    net = with_advocates(net, 0.1, seed=1)
    adv = np.flatnonzero(net.types == UserType.ADVOCATE)
    assert adv.size == pytest.approx(0.1 * net.followers(net.brand).size, abs=2)
    assert np.isin(adv, net.followers(net.brand)).all()


def test_validation_graphs() -> None:
    k = complete(NetworkConfig(kind="complete", users=50, media_outlets=0, brand_audience=0))
    assert k.follower_counts()[:50].tolist() == [49] * 50
    er = erdos_renyi(NetworkConfig(kind="erdos_renyi", users=4000, mean_followers=5,
                                   media_outlets=0, brand_audience=0))
    _valid_csr(er)
    assert abs(er.follower_counts()[:4000].mean() - 5) < 0.3


def test_edge_list_and_graphml_import() -> None:
    net = read_network(NetworkConfig(kind="file", path=str(NETS / "small.edgelist"),
                                     media_outlets=0, brand_audience=0))
    assert net.labels[:4] == ["alice", "bob", "carol", "dave"]
    alice = net.labels.index("alice")
    assert sorted(net.labels[v] for v in net.followers(alice)) == ["bob", "carol"]
    g = read_network(NetworkConfig(kind="file", format="graphml",
                                   path=str(NETS / "small.graphml"), media_outlets=0))
    assert g.followers(g.labels.index("a")).size == 2


@pytest.mark.parametrize(("name", "fmt", "needle"), [
    ("missing.edgelist", "edgelist", "file not found"),
    ("one_column.edgelist", "edgelist", ":2: expected two node names"),
    ("truncated.graphml", "graphml", "not valid GraphML"),
    ("small.edgelist", "graphml", "not valid GraphML"),
])
def test_malformed_network_files_name_the_problem(name: str, fmt: str, needle: str) -> None:
    with pytest.raises(NetworkFileError) as err:
        read_network(NetworkConfig(kind="file", format=fmt, path=str(NETS / name)))  # type: ignore[arg-type]
    assert needle in str(err.value)
    assert name in str(err.value)


def test_binary_edge_list(tmp_path: Path) -> None:
    bad = tmp_path / "garbage.edgelist"
    bad.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(NetworkFileError, match="not a text file"):
        read_network(NetworkConfig(kind="file", path=str(bad)))
