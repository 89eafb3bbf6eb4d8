"""Scenarios of an optimistic rollup whose disputes end at a segment proven with Groth16
(issue 24): the world of :mod:`prozchain.rollup.optimistic.scenarios` on a deployment with the
Poseidon state commitment and ``Config(segment=K)``, its agents those of
:mod:`prozchain.rollup.optimistic.zk_agents`.

The proof is a real one, of ``Segment(segment)`` (K = 2 by default, the smallest that is not
one-step re-execution, to keep runs short) under the development key that every run on this
machine shares; the simulated time it takes (``witness_s``, ``prove_s``) defaults to what
``Segment(16)`` takes on this machine (:data:`~prozchain.rollup.optimistic.zk_agents.SEGMENT16_S`). The users
withdraw half their deposits as in every optimistic scenario: the portal opens their records
with Poseidon paths (``honest_withdrawals_paid``). The deployment also proves the starts of
inbox items (:class:`prozchain.rollup.vm.circuit.TxStart` and
:class:`~prozchain.rollup.vm.circuit.DepositStart`, their verifiers beside the segment's):
``opt-zk-prover-silent --param target=start`` steers the game to a transaction's start,
``target=deposit`` to a deposit's.

>>> from prozchain.rollup.sim.registry import all_scenarios
>>> sorted(n for n in all_scenarios() if n.startswith("opt-zk"))
['opt-zk-dispute', 'opt-zk-prover-silent']
"""

from __future__ import annotations

from prozchain.rollup.common.units import BLOCK_MS, readable
from prozchain.rollup.l1.groth16 import AcceptAnything
from prozchain.rollup.optimistic.contracts.outputs import CHALLENGER_WON, DEFENDER_WON, Outputs
from prozchain.rollup.optimistic.scenarios import (COMMON, Run, add_agents, bonds_lost, build, honest_outputs, horizon,
                                                  judge, replay)
from prozchain.rollup.optimistic.zk_agents import (SEGMENT16_S, START_METHODS, STARTS, ProvesSegments,
                                                   ProvingChallenger, ProvingProposer, SegmentLiar, SegmentProver,
                                                   SteeringGriefer)
from prozchain.rollup.sim.registry import ScenarioError, ScenarioResult, scenario

ZK = dict(segment=2, **SEGMENT16_S, **COMMON)


def _build(seed: int, params: dict, checked: bool = True) -> tuple[Run, SegmentProver]:
    """The world on a proven-segment deployment; ``checked=False``: its verifier skips the
    pairing check and accepts any claim."""
    if params["segment"] < 2:
        raise ScenarioError(f"segment is {params['segment']}: K = 1 is one-step re-execution (opt-invalid-root)")
    prover = SegmentProver(params["segment"], params["witness_s"], params["prove_s"])
    vk = prover.keys()[1].verification_key() if checked else None
    return build(seed, params, vk=vk, segment=params["segment"], verifier_class=None if checked else AcceptAnything,
                 start_vks=tuple(prover.keys(kind)[1].verification_key() for kind in START_METHODS)), prover


def _segment_proofs(run: Run, who: str, method: str = "prove_segment") -> list[tuple[bool, bool]]:
    """(included, the challenger won) for each ``method`` call (``prove_segment``, or
    ``prove_txstart``) that ``who`` sent."""
    selector, sender = Outputs.methods[method].selector, run.keys[who].address
    return [(bool(r.status), bool(r.return_value)) for block in run.chain.blocks
            for tx, r in zip(block.transactions, block.receipts)
            if tx.to == run.system.outputs and tx.data[:4] == selector and tx.sender == sender]


def _games(run: Run) -> list[int]:
    return [status for _, _, status in (log.args for _, log in run.chain.logs(run.system.outputs, "GameOver"))]


@scenario("opt-zk-dispute",
          "the proposer claims a false step inside a contract's run (a user's L2 ether moved to it); the honest "
          "challenger bisects to a segment, proves it with Groth16, the L1 checks the proof by pairing and the "
          "liar's bond is slashed (defense=off: the verifier skips the check, the liar's unproven claim wins "
          "and its output finalizes)",
          defense="on", **ZK)
def zk_dispute(seed: int, params: dict) -> ScenarioResult:
    run, prover = _build(seed, params, checked=params["defense"] == "on")
    with run.sim:
        before = {n: run.chain.state.balance(run.keys[n].address) for n in ("proposer", "challenger")}
        add_agents(run, proposer_class=SegmentLiar, challenger_class=ProvingChallenger,
                   challenger={"prover": prover})
        run.sim.run(until=horizon(run))
        lie = run.agents["proposer"].store.get("lie") or {}
        final = [run.chain.view(run.system.outputs, "proposal", pid) for pid, _ in
                 (log.args for _, log in run.chain.logs(run.system.outputs, "Finalized"))]
        stolen = lie.get("amount", 0) if any(p.batch == lie.get("batch") and p.output.hex() == lie.get("output")
                                             for p in final) else 0
        liar_claims, proofs = _segment_proofs(run, "proposer"), _segment_proofs(run, "challenger")
        extra = {
            "dispute_ended_by_proven_segment": any(ok and won for ok, won in proofs),
            "unproven_claim_refused": bool(liar_claims) and not any(ok for ok, _ in liar_claims),
            "liar_bond_slashed": CHALLENGER_WON in _games(run)
            and run.chain.state.balance(run.keys["proposer"].address) - before["proposer"]
            < -run.system.config.proposer_bond // 2,
        }
        return judge(run, "opt-zk-dispute", extra, extra_loss=stolen + bonds_lost(run, ["challenger"], before),
                     notes=(f"lie at step {lie.get('step')} of batch {lie.get('batch')}: "
                            f"{readable(lie.get('amount', 0))} of {lie.get('victim', '-')[:10]}; stolen {readable(stolen)}",
                            f"the liar's claims {liar_claims}, the challenger's proofs {proofs}"),
                     attack_attempted=bool(lie.get("proposed")))


@scenario("opt-zk-prover-silent",
          "a griefer disputes a correct output and steers the bisection into a contract's run (target=start: to "
          "a transaction's start, target=deposit: to a deposit's); the honest proposer's prover crashes whenever "
          "its proof is done but not sent, restarts from its SQLite store and sends the stored proof (of the "
          "segment or the start) within its chess clock (defense=off: an in-memory store, every restart makes "
          "the proof again and crashes again, the clock runs out and the correct output is deleted with the "
          "proposer's bond)",
          defense="on", downtime_s=30, target="run", **ZK)
def zk_prover_silent(seed: int, params: dict) -> ScenarioResult:
    if params["target"] not in ("run", *STARTS):
        raise ScenarioError(f"target is {params['target']!r}: run, start or deposit")
    run, prover = _build(seed, params)
    durable = params["defense"] == "on"
    crashed: list[int] = []
    with run.sim:
        honest = ["proposer", "challenger"]
        before = {n: run.chain.state.balance(run.keys[n].address) for n in honest + ["griefer-0"]}
        add_agents(run, proposer_class=ProvingProposer, proposer={"prover": prover, "durable": durable},
                   challenger_class=ProvingChallenger, challenger={"prover": prover})
        run.agents["griefer-0"] = run.sim.add(SteeringGriefer("griefer-0", run.sim, run.system, run.keys["griefer-0"],
                                                              poll_ms=BLOCK_MS, target=params["target"]))

        def crash(agent: ProvesSegments, gid: int) -> None:
            # Each time, not once: a single crash costs an in-memory prover one more proof, which
            # at the measured proving time (SEGMENT16_S) fits the clock as easily as none does.
            crashed.append(run.sim.scheduler.now)
            run.sim.crash(agent.name, run.sim.scheduler.now + 1, 1_000 * params["downtime_s"])
        run.agents["proposer"].on_proved = crash
        run.sim.run(until=horizon(run))
        honest_roots = honest_outputs(replay(run))
        deleted = [run.chain.view(run.system.outputs, "proposal", pid) for pid, _ in
                   (log.args for _, log in run.chain.logs(run.system.outputs, "Deleted"))]
        method = START_METHODS[STARTS[params["target"]]] if params["target"] in STARTS else "prove_segment"
        proofs = _segment_proofs(run, "proposer", method)
        extra = {
            "valid_output_kept": not any(honest_roots.get(p.batch) == p.output for p in deleted),
            "defended_by_proven_segment": any(ok and not won for ok, won in proofs) and DEFENDER_WON in _games(run),
            "griefer_lost_bond": run.chain.state.balance(run.keys["griefer-0"].address) - before["griefer-0"]
            < -run.system.config.challenger_bond // 2,
        }
        lost = bonds_lost(run, honest, before)
        return judge(run, "opt-zk-prover-silent", extra, extra_loss=lost,
                     notes=(f"prover crashed {len(crashed)} times with its proof unsent, first at "
                            f"{crashed[0] if crashed else '-'} ms ({'sqlite' if durable else 'memory'} store); "
                            f"honest bonds lost {readable(lost)}",
                            f"the proposer's {method} calls {proofs}"),
                     attack_attempted=bool(crashed))

