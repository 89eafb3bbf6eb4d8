"""The instruction set: eight 256-bit registers, one instruction per 256-bit code word.

An instruction word packs ``op (8 bits) | a (8) | b (8) | c (8) | imm (224)``. Registers
``r0..r7`` hold words modulo 2**256; a call starts with the caller's registers (so arguments
travel in registers, ``r0`` being the method by convention). Every instruction costs the gas
in :data:`OPS` before it runs.

====== ========= ====================================================================
name   operands  effect
====== ========= ====================================================================
SET    r, imm    r[a] = imm
MOV    r, r      r[a] = r[b]
ADD..  r, r, r   r[a] = r[b] op r[c]: ADD SUB MUL DIV MOD (x/0 = 0) AND OR XOR SHL SHR
LT..   r, r, r   r[a] = 1 if r[b] op r[c] else 0: LT GT EQ
ISZERO r, r      r[a] = 1 if r[b] == 0 else 0
NOT    r, r      r[a] = ~r[b]
HASH   r, r, r   r[a] = keccak(r[b] || r[c]) (mapping slots)
JUMP   imm       pc = imm
JUMPI  r, imm    pc = imm if r[a] != 0
SLOAD  r, r      r[a] = storage[self][r[b]]
SSTORE r, r      storage[self][r[a]] = r[b]
MLOAD  r, r      r[a] = memory[r[b]]
MSTORE r, r      memory[r[a]] = r[b]
ENV    r, imm    r[a] = caller, value, self, origin, batch, gas left (imm 0..5); in a call made
                 by an L1 message the caller is the L1 sender's alias (vm.tx.alias)
BALANCE r, r     r[a] = balance of address r[b]
CALL   r, r, r   call address r[a] with value r[b]; its return value into r[c]; a call to the
                 messenger (value 0) records a message to L1 instead (vm.state.MESSENGER)
LOG    r, r      log topic r[a], data r[b]
RET    r         return r[a] (the transaction ends when the outermost call returns)
REVERT           undo the whole transaction (gas used is kept)
====== ========= ====================================================================

>>> code = assemble("SET r1, 2\\nloop: ADD r0, r0, r1\\nJUMP loop")
>>> disassemble(code[1])
'ADD r0, r0, r1'
>>> decode(code[2])
Instruction(op='JUMP', a=0, b=0, c=0, imm=1)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from prozchain.rollup.vm.errors import AssemblyError

WORD = 2**256
IMM_BITS = 224
REGISTERS = 8

# name: (opcode, operand kinds, gas). Kinds: r register, i immediate (number or label).
OPS: dict[str, tuple[int, str, int]] = {
    "SET": (1, "ri", 3), "MOV": (2, "rr", 3),
    "ADD": (3, "rrr", 3), "SUB": (4, "rrr", 3), "MUL": (5, "rrr", 5), "DIV": (6, "rrr", 5),
    "MOD": (7, "rrr", 5), "AND": (8, "rrr", 3), "OR": (9, "rrr", 3), "XOR": (10, "rrr", 3),
    "SHL": (11, "rrr", 3), "SHR": (12, "rrr", 3),
    "LT": (13, "rrr", 3), "GT": (14, "rrr", 3), "EQ": (15, "rrr", 3),
    "ISZERO": (16, "rr", 3), "NOT": (17, "rr", 3), "HASH": (18, "rrr", 36),
    "JUMP": (19, "i", 8), "JUMPI": (20, "ri", 10),
    "SLOAD": (21, "rr", 200), "SSTORE": (22, "rr", 5_000),
    "MLOAD": (23, "rr", 3), "MSTORE": (24, "rr", 3),
    "ENV": (25, "ri", 2), "BALANCE": (26, "rr", 100),
    "CALL": (27, "rrr", 700), "LOG": (28, "rr", 375),
    "RET": (29, "r", 0), "REVERT": (30, "", 0),
}
BY_CODE = {code: name for name, (code, _, _) in OPS.items()}
ENV_FIELDS = ("caller", "value", "self", "origin", "batch", "gas")


@dataclass(frozen=True)
class Instruction:
    op: str
    a: int = 0
    b: int = 0
    c: int = 0
    imm: int = 0


def encode(ins: Instruction) -> int:
    """The code word of ``ins``."""
    return OPS[ins.op][0] << 248 | ins.a << 240 | ins.b << 232 | ins.c << 224 | ins.imm


def decode(word: int) -> Instruction:
    """The instruction in a code word; an unknown opcode decodes as ``INVALID``."""
    op = BY_CODE.get(word >> 248, "INVALID")
    return Instruction(op, (word >> 240) & 0xFF, (word >> 232) & 0xFF, (word >> 224) & 0xFF,
                       word & (2**IMM_BITS - 1))


def disassemble(word: int) -> str:
    ins = decode(word)
    if ins.op == "INVALID":
        return f"INVALID {word:#x}"
    kinds = OPS[ins.op][1]
    regs = iter((ins.a, ins.b, ins.c))
    parts = [f"r{next(regs)}" if k == "r" else str(ins.imm) for k in kinds]
    return f"{ins.op} {', '.join(parts)}".strip()


_LABEL = re.compile(r"^([A-Za-z_]\w*):\s*(.*)$")


def assemble(source: str) -> list[int]:
    """Code words of assembly ``source``: one instruction per line, ``label:`` prefixes,
    ``#`` comments; an immediate is a number or a label (its instruction index)."""
    lines, labels = [], {}
    for number, raw in enumerate(source.splitlines(), 1):
        text = raw.split("#", 1)[0].strip()
        match = _LABEL.match(text)
        if match:
            if match.group(1) in labels:
                raise AssemblyError(f"line {number}: label {match.group(1)!r} defined twice")
            labels[match.group(1)] = len(lines)
            text = match.group(2).strip()
        if text:
            lines.append((number, text))
    return [encode(_parse(number, text, labels)) for number, text in lines]


def _parse(number: int, text: str, labels: dict[str, int]) -> Instruction:
    name, _, rest = text.partition(" ")
    name = name.upper()
    if name not in OPS:
        raise AssemblyError(f"line {number}: unknown instruction {name!r}")
    kinds = OPS[name][1]
    operands = [o.strip() for o in rest.split(",")] if rest.strip() else []
    if len(operands) != len(kinds):
        raise AssemblyError(f"line {number}: {name} takes {len(kinds)} operands, got {len(operands)}")
    regs, imm = [], 0
    for kind, operand in zip(kinds, operands):
        if kind == "r":
            if not re.fullmatch(r"r[0-7]", operand):
                raise AssemblyError(f"line {number}: {operand!r} is not a register r0..r7")
            regs.append(int(operand[1]))
        elif operand in labels:
            imm = labels[operand]
        else:
            try:
                imm = int(operand, 0)
            except ValueError:
                raise AssemblyError(f"line {number}: {operand!r} is neither a number nor a label") from None
            if not 0 <= imm < 2**IMM_BITS:
                raise AssemblyError(f"line {number}: immediate {operand} does not fit in {IMM_BITS} bits")
    regs += [0] * (3 - len(regs))
    return Instruction(name, regs[0], regs[1], regs[2], imm)
