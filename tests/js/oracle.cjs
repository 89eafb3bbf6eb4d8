// Answers the Python tests' questions with circomlibjs: reads one JSON request on stdin,
// prints one JSON answer. Requests: {"op": "poseidon", "inputs": [[decimal, ...], ...]}
// -> [decimal, ...]; {"op": "merkle_root", "leaf", "siblings", "path_bits"} -> decimal.
// {"op": "babyjub_mul", "points": [[x, y, k], ...]} -> [[x, y], ...];
// {"op": "eddsa_sign", "keys": [hex], "msgs": [decimal]} -> [{A, R8, S}] (one per key/msg pair);
// {"op": "eddsa_verify", "items": [{msg, A, R8, S}]} -> [bool].
const { buildPoseidon, buildBabyjub, buildEddsa } = require("circomlibjs");

async function main() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  const request = JSON.parse(Buffer.concat(chunks).toString());
  const poseidon = await buildPoseidon();
  const F = poseidon.F;
  const hash = (xs) => poseidon(xs.map(BigInt));
  let answer;
  if (request.op === "poseidon") {
    answer = request.inputs.map((xs) => F.toString(hash(xs)));
  } else if (request.op === "merkle_root") {
    let node = F.e(BigInt(request.leaf));
    request.siblings.forEach((sibling, i) => {
      const s = F.e(BigInt(sibling));
      node = String(request.path_bits[i]) === "1" ? poseidon([s, node]) : poseidon([node, s]);
    });
    answer = F.toString(node);
  } else if (request.op === "babyjub_mul") {
    const bj = await buildBabyjub();
    answer = request.points.map(([x, y, k]) =>
      bj.mulPointEscalar([bj.F.e(BigInt(x)), bj.F.e(BigInt(y))], BigInt(k)).map((c) => bj.F.toString(c)));
  } else if (request.op === "eddsa_sign") {
    const eddsa = await buildEddsa();
    const E = eddsa.babyJub.F;
    answer = request.keys.map((key, i) => {
      const prv = Buffer.from(key, "hex");
      const sig = eddsa.signPoseidon(prv, E.e(BigInt(request.msgs[i])));
      const A = eddsa.prv2pub(prv);
      return { A: A.map((c) => E.toString(c)), R8: sig.R8.map((c) => E.toString(c)), S: sig.S.toString() };
    });
  } else if (request.op === "eddsa_verify") {
    const eddsa = await buildEddsa();
    const E = eddsa.babyJub.F;
    const point = (p) => p.map((c) => E.e(BigInt(c)));
    answer = request.items.map((it) =>
      eddsa.verifyPoseidon(E.e(BigInt(it.msg)), { R8: point(it.R8), S: BigInt(it.S) }, point(it.A)));
  } else {
    throw new Error(`unknown op ${request.op}`);
  }
  process.stdout.write(JSON.stringify(answer));
}

main().then(() => process.exit(0), (err) => { console.error(err); process.exit(1); });
