"""Each instruction, gas metering, out-of-gas and reverts."""

from __future__ import annotations

import pytest

from prozchain.rollup.vm import INTRINSIC_GAS, AssemblyError, assemble
from prozchain.rollup.vm.isa import OPS, decode, disassemble
from prozchain.rollup.vm.state import mapping_slot

from .helpers import ALICE, BOB, CONTRACT, OTHER, call, machine, run

W = 2**256
STORE_R3 = "SET r4, 0\nSSTORE r4, r3\nRET r3"


def result(source: str, *args: int, value: int = 0, gas: int = 100_000, others: dict | None = None):
    ex, world = machine({CONTRACT: source, **(others or {})})
    trace = run(ex, world, [call(ALICE, CONTRACT, *args, value=value, gas=gas)])
    return ex, trace, ex.storage(trace.final.world, CONTRACT, 0)


@pytest.mark.parametrize("op, x, y, expected", [
    ("ADD", W - 1, 2, 1), ("SUB", 1, 2, W - 1), ("MUL", 2**255, 2, 0), ("DIV", 7, 2, 3),
    ("DIV", 7, 0, 0), ("MOD", 7, 3, 1), ("MOD", 7, 0, 0), ("AND", 6, 3, 2), ("OR", 6, 3, 7),
    ("XOR", 6, 3, 5), ("SHL", 1, 255, 2**255), ("SHL", 1, 256, 0), ("SHR", 8, 3, 1),
    ("SHR", 8, 300, 0), ("LT", 1, 2, 1), ("LT", 2, 1, 0), ("GT", 2, 1, 1), ("EQ", 5, 5, 1),
    ("EQ", 5, 6, 0), ("HASH", 5, 0, mapping_slot(5, 0)),
])
def test_binary_ops(op, x, y, expected):
    assert result(f"{op} r3, r1, r2\n{STORE_R3}", 0, x, y)[2] == expected


@pytest.mark.parametrize("source, expected", [
    ("SET r3, 42", 42), ("SET r1, 9\nMOV r3, r1", 9), ("ISZERO r3, r0", 1),
    ("NOT r3, r0", W - 1), ("ENV r3, 0", int(ALICE.address, 16)), ("ENV r3, 1", 0),
    ("ENV r3, 2", int(CONTRACT, 16)), ("ENV r3, 3", int(ALICE.address, 16)), ("ENV r3, 4", 0),
    ("ENV r3, 9", 0), ("SET r1, 5\nSET r2, 77\nMSTORE r1, r2\nMLOAD r3, r1", 77),
    ("SET r1, 5\nMLOAD r3, r1", 0), ("SET r1, 1\nSET r2, 8\nSSTORE r1, r2\nSLOAD r3, r1", 8),
    ("JUMP skip\nSET r3, 1\nskip: SET r5, 0", 0), ("SET r1, 1\nJUMPI r1, skip\nSET r3, 1\nskip: SET r5, 0", 0),
    ("JUMPI r0, skip\nSET r3, 1\nskip: SET r5, 0", 1),
])
def test_unary_moves_jumps_memory_storage(source, expected):
    assert result(f"{source}\n{STORE_R3}")[2] == expected


def test_balance_and_gas_left():
    ex, trace, value = result(f"SET r1, {int(BOB.address, 16)}\nBALANCE r3, r1\n{STORE_R3}")
    assert value == 10**18
    _, _, gas = result(f"ENV r3, 5\n{STORE_R3}", gas=10_000)
    assert gas == 10_000 - INTRINSIC_GAS - OPS["ENV"][2]


def test_log_changes_the_logs_hash_and_revert_undoes_it():
    _, logged, _ = result("SET r1, 7\nLOG r1, r1\nRET r1")
    _, reverted, _ = result("SET r1, 7\nLOG r1, r1\nREVERT")
    assert logged.final.logs != bytes(32) and reverted.final.logs == bytes(32)


def test_call_passes_registers_value_and_returns():
    callee = "ENV r3, 1\nADD r3, r3, r1\nENV r4, 0\nSET r5, 1\nSSTORE r5, r4\nRET r3"
    caller = f"SET r6, {int(OTHER, 16)}\nSET r7, 3\nSET r1, 10\nCALL r6, r7, r3\n{STORE_R3}"
    ex, trace, value = result(caller, value=5, others={OTHER: callee})
    world = trace.final.world
    assert value == 13  # callee got value 3 and r1 = 10
    assert ex.storage(world, OTHER, 1) == int(CONTRACT, 16)  # msg.sender is the calling contract
    assert ex.balance(world, OTHER) == 3 and ex.balance(world, CONTRACT) == 2


def test_call_to_an_account_without_code_moves_value_only():
    ex, trace, value = result(f"SET r6, {int(BOB.address, 16)}\nSET r7, 4\nSET r3, 9\nCALL r6, r7, r3\n{STORE_R3}",
                              value=4)
    assert value == 0 and ex.balance(trace.final.world, BOB.address) == 10**18 + 4


def test_revert_undoes_state_and_value_but_keeps_the_fee():
    price = 3
    ex, world = machine({CONTRACT: "SET r1, 1\nSSTORE r1, r1\nREVERT"})
    trace = run(ex, world, [call(ALICE, CONTRACT, value=50, gas=30_000, gas_price=price)])
    world = trace.final.world
    used = INTRINSIC_GAS + OPS["SET"][2] + OPS["SSTORE"][2]
    assert ex.storage(world, CONTRACT, 1) == 0 and ex.balance(world, CONTRACT) == 0
    assert ex.balance(world, ALICE.address) == 10**18 - used * price
    assert ex.nonce(world, ALICE.address) == 1


@pytest.mark.parametrize("source", ["loop: JUMP loop", "SET r1, 1\nSSTORE r1, r1\nloop: JUMP loop"])
def test_out_of_gas_burns_all_gas_and_reverts(source):
    ex, world = machine({CONTRACT: source})
    trace = run(ex, world, [call(ALICE, CONTRACT, value=1, gas=3_000, gas_price=2)], check_steps=False)
    world = trace.final.world
    assert ex.balance(world, ALICE.address) == 10**18 - 3_000 * 2
    assert ex.storage(world, CONTRACT, 1) == 0 and ex.balance(world, CONTRACT) == 0
    assert len(trace) < 3_000  # bounded by the gas


@pytest.mark.parametrize("words", [[0xFF << 248], [(1 << 248) | (9 << 240)], []])
def test_invalid_instruction_register_and_running_off_the_code_halt(words):
    ex, world = machine({CONTRACT: words or assemble("SET r1, 1")})
    trace = run(ex, world, [call(ALICE, CONTRACT, gas=5_000, gas_price=1)])
    assert ex.balance(trace.final.world, ALICE.address) == 10**18 - 5_000


def test_call_depth_is_bounded():
    recurse = f"SET r6, {int(CONTRACT, 16)}\nSET r7, 0\nCALL r6, r7, r3\nSET r1, 1\nSSTORE r1, r1\nRET r3"
    ex, world = machine({CONTRACT: recurse})
    trace = run(ex, world, [call(ALICE, CONTRACT, gas=200_000)], check_steps=False)
    assert ex.storage(trace.final.world, CONTRACT, 1) == 0 and trace.final.halted


def test_invalid_transactions_are_skipped():
    ex, world = machine()
    txs = [call(ALICE, BOB.address, value=1, nonce=5),                        # nonce ahead
           call(ALICE, BOB.address, value=10**19),                            # cannot pay
           call(ALICE, BOB.address, value=1, gas=INTRINSIC_GAS - 1),          # gas below intrinsic
           call(ALICE, BOB.address, value=1)]                                 # fine
    trace = run(ex, world, txs + [txs[-1]])                                   # replay: nonce used
    assert ex.balance(trace.final.world, BOB.address) == 10**18 + 1
    assert ex.nonce(trace.final.world, ALICE.address) == 1
    raw_garbage = ex.run(ex.start(world, 0, [], [b"\x01\x02"]))
    assert raw_garbage.final.world == world


def test_assembler_errors_name_the_line():
    for source, message in [("FOO r1", "line 1: unknown"), ("SET r9, 1", "not a register"),
                            ("ADD r1, r2", "takes 3 operands"), ("JUMP nowhere", "neither"),
                            ("a: SET r1, 1\na: SET r1, 2", "defined twice"),
                            (f"SET r1, {2**224}", "does not fit")]:
        with pytest.raises(AssemblyError, match=message):
            assemble(source)
    assert disassemble(0xFF << 248).startswith("INVALID") and decode(0).op == "INVALID"
