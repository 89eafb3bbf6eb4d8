"""A whole sidechain on the harness: L1 contracts (staking, light client, bridge), validators,
a relayer, and the presets that configure the same code for different uses.

>>> run = demo(seed=1, until=20_000)
>>> min(v.chain.height for v in run.validators) > 5, run.chain.view(run.staking, "current_epoch")
(True, 1)
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
import random
from functools import partial
from typing import Any, Callable, Optional, Sequence

from prozchain.circuits.gadgets.babyjub import Point
from prozchain.circuits.gadgets.eddsa import public_key, sign
from prozchain.rollup.common.units import ETHER
from prozchain.rollup.economics.bonds import BondLedger
from prozchain.rollup.l1 import Chain, Key
from prozchain.rollup.l1.crypto import to_address
from prozchain.rollup.l1.groth16 import verifier_contract
from prozchain.rollup.sidechain.agents.relayer import CheckpointSignature, QuorumSignature, Relayer
from prozchain.rollup.sidechain.contracts.bridge import Bridge
from prozchain.rollup.sidechain.contracts.light_client import LightClient, ZkLightClient
from prozchain.rollup.sidechain.contracts.permissions import MEMBER, VALIDATOR, Permissions
from prozchain.rollup.sidechain.contracts.private_exits import PrivateExits
from prozchain.rollup.sidechain.contracts.modes import ALL_CHECKS, OPTIMISTIC, STAKING, THRESHOLD, ZK
from prozchain.rollup.sidechain.contracts.staking import Staking
from prozchain.rollup.sidechain.errors import SidechainError
from prozchain.rollup.sidechain.node.assets import ASSETS_AT, ASSETS_CODE, deposit_record, mint_tx
from prozchain.rollup.sidechain.node.chain import Block, Genesis, ValidatorSet
from prozchain.rollup.sidechain.node.checkpoint import Checkpoint
from prozchain.rollup.sidechain.node.consensus import ConsensusConfig, Validator, network
from prozchain.rollup.sidechain.node.enterprise import EnterpriseValidator, Policy, enc_public, seal
from prozchain.rollup.sidechain.node.exits import ExitProver, exit_records, exits_digest, exits_tree
from prozchain.rollup.sidechain.node.messages import Evidence, Vote, signature_bytes
from prozchain.rollup.sidechain.node.quorum import (Member, QuorumProver, Statement, eddsa_secret, message_of,
                                                    set_commitment)
from prozchain.rollup.sim.network import NetworkConfig
from prozchain.rollup.sim.world import Simulation
from prozchain.rollup.vm import BRIDGE, Deposit, Executor
from prozchain.rollup.vm.merkle import keccak

MODES = {"threshold": THRESHOLD, "staking": STAKING, "optimistic": OPTIMISTIC, "zk": ZK}


@dataclass(frozen=True)
class Config:
    """One sidechain's configuration. Times are L1 seconds except the consensus timeouts
    (simulated milliseconds)."""

    mode: int = STAKING
    validators: int = 4
    stake: int = 32 * ETHER
    threshold: int = 0
    min_signers: int = 4
    checkpoint_every: int = 4
    window: int = 60
    bond: int = ETHER
    checks: int = ALL_CHECKS
    epoch_length: int = 3_600
    evidence_window: int = 7_200
    unbonding_delay: int = 14_400
    slash_bps: int = 10_000
    reward_bps: int = 1_000
    consensus: ConsensusConfig = field(default_factory=lambda: ConsensusConfig(commit_wait=1_000))
    l1_block_ms: int = 2_000
    permissioned: bool = False  # validator and transaction allow-lists under an L1 governance key
    private: bool = False  # transactions sealed to the members; exits proven by Groth16
    network: NetworkConfig = field(default_factory=lambda: NetworkConfig(latency_ms=(10, 200), loss=0.02))

    @property
    def signer_threshold(self) -> int:
        return self.threshold or 2 * self.validators // 3 + 1


PRESETS: dict[str, Config] = {
    "default": Config(),
    # Large blocks, short timeouts, checkpoints far apart: throughput first.
    "high-throughput": Config(consensus=ConsensusConfig(timeout_propose=400, timeout_vote=200, timeout_delta=200,
                                                        commit_wait=50, gossip_ms=500, max_txs=512),
                              checkpoint_every=16),
    # A fixed set of known validators that also hold the bridge keys, allow-lists on L1, payloads
    # sealed to the members: L1 only ever sees roots, and exits carry a proof, not a record.
    "enterprise": Config(mode=THRESHOLD, validators=4, min_signers=4, checkpoint_every=8,
                         permissioned=True, private=True),
    # Fast finality and a bridge whose signers put their bond behind every checkpoint.
    "defi-gaming": Config(mode=STAKING, consensus=ConsensusConfig(timeout_propose=600, timeout_vote=300,
                                                                  timeout_delta=300, commit_wait=100),
                          checkpoint_every=2),
}


def preset(name: str, **changes: Any) -> Config:
    """A named preset with ``changes`` applied.

    >>> preset("enterprise").mode == THRESHOLD, preset("default", validators=7).validators
    (True, 7)
    """
    if name not in PRESETS:
        raise SidechainError(f"no preset {name!r}; known: {', '.join(PRESETS)}")
    return replace(PRESETS[name], **changes)


class L1Link:
    """What validators read from and send to L1 (see :class:`~prozchain.rollup.sidechain.node.consensus.L1View`)."""

    def __init__(self, chain: Chain, staking: str, bridge: str) -> None:
        self.chain, self.staking, self.bridge = chain, staking, bridge
        self._sets: dict[int, ValidatorSet] = {}

    def validator_set(self, epoch: int) -> ValidatorSet:
        if epoch not in self._sets:
            members = self.chain.view(self.staking, "validators", epoch)
            self._sets[epoch] = ValidatorSet(list(zip(members.addresses, members.powers)))
        return self._sets[epoch]

    def latest_epoch(self) -> int:
        return self.chain.view(self.staking, "current_epoch")

    def deposit_ok(self, deposit: Deposit) -> bool:
        return deposit.index < self.chain.view(self.bridge, "deposit_count") and \
            self.chain.view(self.bridge, "deposit_hash", deposit.index) == keccak(deposit.encode())

    def mints(self, start: int) -> list[bytes]:
        return [mint_tx(index, asset, recipient, amount) for _, log in self.chain.logs(self.bridge, "TokenDeposited")
                for index, _, asset, recipient, amount in [log.args] if index >= start]

    def token_deposit_ok(self, index: int, asset: int, recipient: str, amount: int) -> bool:
        return self.chain.view(self.bridge, "token_deposit_hash", index) == \
            deposit_record(index, asset, recipient, amount)

    def report(self, reporter: Key, evidence: Evidence) -> None:
        if self.chain.view(self.staking, "stake", evidence.validator).jailed:
            return  # already slashed
        self.chain.submit(self.chain.build(reporter, self.staking, evidence.method, evidence.first.encode(),
                                           evidence.second.encode(), gas_limit=400_000))


@dataclass
class System:
    sim: Simulation
    config: Config
    chain: Chain
    genesis: Genesis
    keys: dict[str, Key]
    validator_keys: list[Key]
    staking: str
    client: str
    bridge: str
    ledger: str  # the bond ledger of the stakes and the checkpoint bonds
    l1: L1Link
    validators: list[Validator] = field(default_factory=list)
    relayers: list[Relayer] = field(default_factory=list)
    prover: Optional[QuorumProver] = None  # ZK mode: the quorum circuit's prover, for the relayers
    eddsa: dict[str, Point] = field(default_factory=dict)  # ZK mode: each validator's published EdDSA key
    permissions: str = ""  # permissioned: the allow-lists' contract
    exits: str = ""  # private: the contract paying proven exits
    _exit_prover: Optional[ExitProver] = None

    @property
    def exit_prover(self) -> ExitProver:
        """Private chain: the members' prover of exits (made on first use)."""
        if self._exit_prover is None:
            self._exit_prover = ExitProver(self.sim.scheduler.rng("exit prover"))
        return self._exit_prover

    def policy(self, key: Key) -> Policy:
        """What member ``key`` applies to transactions (permissioned chains)."""
        allowed = lambda sender, epoch: self.chain.view(self.permissions, "allowed", MEMBER, sender, epoch)  # noqa: E731
        return Policy(key, allowed, self.config.private)

    def opener(self, key: Key) -> Optional[Callable[[bytes, int], bytes]]:
        """How member ``key``'s chain reads blocks (None: blocks carry plain transactions)."""
        return self.policy(key).opener if self.config.permissioned else None

    def seal(self, raw: bytes, rng: random.Random) -> bytes:
        """A signed transaction as a member sends it: sealed to the current roster on a private chain."""
        if not self.config.private:
            return raw
        epoch = self.chain.view(self.staking, "current_epoch")
        return seal(raw, self.chain.view(self.permissions, "roster", max(epoch, 1)).enc_keys, rng)

    def exit_privately(self, member: Key) -> int:
        """Private chain: get the newest confirmed checkpoint's exits root committed (each
        validator signs only the root its own chain computes), then exit every unpaid
        withdrawal of ``member`` in it with a Groth16 proof. Returns the amount paid."""
        chain, number = self.chain, self.chain.view(self.bridge, "count")
        while number and chain.view(self.bridge, "checkpoint", number).confirm_at > chain.time:
            number -= 1
        if not number:
            return 0
        cp = chain.view(self.bridge, "checkpoint", number)
        records, sigs = None, []
        for v in self.validators:
            if v.chain.height < cp.last or v.chain.headers[cp.last].world != cp.world:
                continue
            mine = exit_records(v.chain, cp.last)
            records = records or mine
            if mine == records:
                sigs.append(signature_bytes(v.key.sign(exits_digest(self.exits, number, cp.world,
                                                                    exits_tree(mine).root))))
        if records is None:
            return 0
        if chain.view(self.exits, "exits_root", number) == 0:
            chain.transact(member, self.exits, "commit_exits", number, exits_tree(records).root, sigs,
                           gas_limit=2_000_000)
        paid = {log.args[0] for _, log in chain.logs(self.bridge, "Withdrawn")}
        total = 0
        for index, (recipient, amount) in enumerate(records):
            if recipient == member.address and index not in paid:
                proof = self.exit_prover.prove(records, index)
                receipt = chain.transact(member, self.exits, "exit", number, index, recipient, amount, proof,
                                         gas_limit=1_000_000)
                total += amount if receipt.status else 0
        return total

    @property
    def capacity(self) -> int:
        """The ZK light client's slots: every validator node could be in one set."""
        return len(self.validator_keys)

    def members(self, epoch: int) -> list[Member]:
        """``epoch``'s validator set as the ZK light client commits to it: each member's
        published EdDSA key and its power, in the staking contract's order."""
        return _members(self.l1.validator_set(epoch), self.eddsa)

    def statement(self, cp: Checkpoint, next_epoch: int) -> Statement:
        """What the set of ``cp``'s epoch signs for ``cp`` when the checkpoint after it is in ``next_epoch``."""
        return Statement(set_commitment(self.members(cp.epoch), self.capacity), message_of(cp.digest),
                         next_epoch, set_commitment(self.members(next_epoch), self.capacity))

    def quorum_reached(self, cp: Checkpoint, sigs: Sequence[bytes]) -> bool:
        power = self.chain.view(self.client, "verify", cp.digest, cp.epoch, list(sigs))
        return power >= self.chain.view(self.client, "quorum", cp.epoch)

    def keep_epochs(self, every_ms: int = 2_000) -> None:
        """A keeper that calls ``advance_epoch`` on L1 whenever an epoch has ended."""
        chain, keeper, sent = self.chain, self.keys["keeper"], set()

        def tick() -> None:
            epoch = chain.view(self.staking, "current_epoch")
            if chain.time >= chain.view(self.staking, "next_epoch_at") and epoch not in sent:
                sent.add(epoch)
                chain.submit(chain.build(keeper, self.staking, "advance_epoch", gas_limit=3_000_000))
        self.sim.scheduler.every(every_ms, "keeper: epochs", tick, until=10**12)

    def honest_heads(self, names: Optional[Sequence[str]] = None) -> dict[str, list[bytes]]:
        return {v.name: [h.hash for h in v.chain.headers] for v in self.validators
                if names is None or v.name in names}


def build(seed: int, config: Config = Config(), genesis: Optional[Genesis] = None,
          users: Sequence[Key] = (), cls: type[Validator] = Validator, cls_of: Optional[dict] = None,
          relayer_watch: bool = True, bonded: Optional[int] = None) -> System:
    """Deploy the L1 side on a fresh chain, then add validators and one relayer to a new
    simulation (not yet run). ``cls_of`` maps validator indices to other agent classes. Only
    the first ``bonded`` validators (default: all) bond before epoch 1; the others run as full
    nodes until they bond."""
    sim = Simulation(seed, config.network)
    keys = {n: Key.from_seed(f"sidechain-{n}".encode()) for n in ("deployer", "relayer", "keeper")}
    vkeys = [Key.from_seed(f"sidechain-validator-{i}".encode()) for i in range(config.validators)]
    funded = list(keys.values()) + vkeys + list(users)
    chain = Chain({k.address: 1_000 * ETHER for k in funded})
    deployer = keys["deployer"]
    staking, _ = chain.deploy(deployer, Staking, config.epoch_length, config.unbonding_delay,
                              config.evidence_window, ETHER, config.slash_bps, config.reward_bps)
    ledger, _ = chain.deploy(deployer, BondLedger)  # the stakes and the checkpoint bonds
    chain.transact(deployer, staking, "link_ledger", ledger)
    permissions = ""
    if config.permissioned:  # the deployer is the governance key; everyone built here is admitted
        permissions, _ = chain.deploy(deployer, Permissions, staking)
        for role, members in ((VALIDATOR, vkeys), (MEMBER, [keys["relayer"], *users])):
            for key in members:
                chain.transact(deployer, permissions, "admit", key.address, role, enc_public(key), gas_limit=300_000)
        chain.transact(deployer, staking, "link_gate", permissions)
    for key in vkeys[:bonded]:
        chain.transact(key, staking, "bond", value=config.stake, gas_limit=300_000)
    chain.advance_time(config.epoch_length)
    chain.transact(keys["keeper"], staking, "advance_epoch", gas_limit=20_000_000)  # snapshots the whole set
    genesis = genesis or Genesis()
    # The bridge's account is in every genesis, so no sidechain starts from the zero root.
    genesis = replace(genesis, balances={to_address(BRIDGE): 0, **genesis.balances},
                      code={ASSETS_AT: ASSETS_CODE, **genesis.code}, epoch=1)
    world = genesis.header(Executor()).world
    client, prover, eddsa = "0x" + "00" * 20, None, {}
    if config.mode == ZK:
        prover = QuorumProver(len(vkeys), sim.scheduler.rng("quorum prover"))
        verifier, _ = chain.deploy(deployer, verifier_contract(prover.zkey.verification_key()))
        eddsa = {k.address: public_key(eddsa_secret(k)) for k in vkeys}
        members = chain.view(staking, "validators", 1)
        genesis_set = set_commitment(_members(ValidatorSet(list(zip(members.addresses, members.powers))), eddsa),
                                     len(vkeys))
        client, _ = chain.deploy(deployer, ZkLightClient, verifier, genesis_set, 1, config.checks)
    elif config.mode != OPTIMISTIC:
        client, _ = chain.deploy(deployer, LightClient, config.mode, staking, [k.address for k in vkeys],
                                 config.signer_threshold, config.min_signers, config.checks, gas_limit=20_000_000)
    bridge, _ = chain.deploy(deployer, Bridge, config.mode, client, staking, world, config.window, config.bond,
                             config.checks)
    chain.transact(deployer, staking, "link_slasher", bridge)
    chain.transact(deployer, bridge, "link_ledger", ledger)
    if config.mode == ZK:
        chain.transact(deployer, client, "link_bridge", bridge)
    exits = ""
    if config.private:
        verifier, _ = chain.deploy(deployer, verifier_contract(ExitProver().zkey.verification_key()))
        exits, _ = chain.deploy(deployer, PrivateExits, bridge, client, verifier)
        chain.transact(deployer, bridge, "link_exits", exits)
    system = System(sim, config, chain, genesis, keys, vkeys, staking, client, bridge, ledger,
                    L1Link(chain, staking, bridge),
                    prover=prover, eddsa=eddsa, permissions=permissions, exits=exits)
    if config.permissioned and cls is Validator:
        cls = EnterpriseValidator
    sim.produce_blocks(chain, config.l1_block_ms, until=10**12)
    system.relayers.append(sim.add(Relayer("relayer", sim, keys["relayer"], system,
                                           [f"v{i}" for i in range(len(vkeys))], watch=relayer_watch)))
    names = [f"v{i}" for i in range(len(vkeys))]
    for i, key in enumerate(vkeys):
        agent_cls = (cls_of or {}).get(i, cls)
        if isinstance(agent_cls, type) and issubclass(agent_cls, EnterpriseValidator):
            agent_cls = partial(agent_cls, policy_of=system.policy)
        v = sim.add(agent_cls(names[i], sim, key, genesis, names, system.l1, config.consensus, ["relayer"]))
        v.on_decide.append(lambda v, block, cert: _sign_checkpoint(system, v, block))
        system.validators.append(v)
    return system


def _members(vset: ValidatorSet, eddsa: dict[str, Point]) -> list[Member]:
    return [(eddsa[a], p) for a, p in vset.members]


def _sign_checkpoint(system: System, v: Validator, block: Block) -> None:
    """At each checkpoint boundary, sign the checkpoint for the relayers; and where the bridge
    takes signatures, sign again at every block the first checkpoint L1 still lacks, so that
    signatures lost on the way cannot stall the bridge (checkpoints go to L1 in order).

    Under ``ZK`` a checkpoint is signed one block later, with EdDSA-Poseidon: its signers are the
    set of its first block's epoch, and they sign the epoch (and set) of the block after it too,
    so that the proof of an epoch's last checkpoint hands the light client over to the next set."""
    every, zk = system.config.checkpoint_every, system.config.mode == ZK
    lag = 1 if zk else 0
    numbers = {(block.height - lag) // every} if block.height > lag and (block.height - lag) % every == 0 else set()
    if system.config.mode != OPTIMISTIC:
        missing = system.chain.view(system.bridge, "count") + 1
        if missing * every + lag <= block.height:
            numbers.add(missing)
    for number in sorted(numbers):
        headers = v.chain.headers[(number - 1) * every + 1:number * every + 1]
        if zk:
            cp = Checkpoint.cover(number, headers, headers[0].epoch)
            statement = system.statement(cp, v.chain.headers[number * every + 1].epoch)
            message = QuorumSignature(cp, statement, v.key.address, sign(eddsa_secret(v.key), statement.signed))
        else:
            cp = Checkpoint.cover(number, headers, headers[-1].epoch)
            message = CheckpointSignature(cp, cp.sign(v.key))
        for relayer in system.relayers:
            v.send(relayer.name, message)


def demo(seed: int = 1, until: int = 20_000, config: Config = Config()) -> System:
    """A quiet sidechain run for ``until`` simulated ms (doctests and quick looks)."""
    system = build(seed, config)
    with system.sim:
        system.sim.run(until=until)
    return system


__all__ = ["Config", "L1Link", "MODES", "PRESETS", "System", "Vote", "build", "demo", "network", "preset"]
