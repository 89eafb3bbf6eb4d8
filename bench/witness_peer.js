// circom's wasm witness calculator in one node process: instantiate the circuit's wasm once, run
// one untimed calculation (as the Python side makes its solve program first), then time `repeat`
// witness calculations (calculateWTNSBin, what `snarkjs wtns calculate` runs).
// Usage: node witness_peer.js --js DIR --wasm FILE --input FILE --repeat N
// Prints one JSON line: {"times_s": [...], "outputs": [decimal strings of wires 1..n_outputs]}.
import { readFileSync } from "fs";
import { createRequire } from "module";
import path from "path";

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, v, i, all) =>
    (i % 2 === 0 ? [...pairs, [v.replace(/^--/, ""), all[i + 1]]] : pairs), []));
const require = createRequire(import.meta.url);
const builder = require(path.resolve(args.js, "witness_calculator.js"));
const calculator = await builder(readFileSync(args.wasm));
const input = JSON.parse(readFileSync(args.input, "utf8"));
await calculator.calculateWTNSBin(input, 0);
const times = [];
for (let i = 0; i < Number(args.repeat); i++) {
    const start = process.hrtime.bigint();
    await calculator.calculateWTNSBin(input, 0);
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
}
const witness = await calculator.calculateWitness(input, 0);
const outputs = witness.slice(1, 1 + Number(args.outputs || 0)).map(String);
console.log(JSON.stringify({ times_s: times, outputs }));
