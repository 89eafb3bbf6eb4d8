// The peer MSM: snarkjs's own engine (ffjavascript, pinned in package-lock.json), timed on the
// same bases and scalars the Python benchmark uses.
//
//   node msm_peer.js --group g1 --bases FILE --scalars FILE [--repeat N]
//
// FILE formats are the ones ffjavascript's G.multiExpAffine takes, which is also our prepared
// layout: bases are affine points, each coordinate 32 bytes little-endian in Montgomery form
// (G2: x.c0 x.c1 y.c0 y.c1); scalars are 32 bytes little-endian, canonical. Prints one JSON
// object: {"impl", "version", "group", "n", "threads", "times_s": [...], "result": [...]}, the
// result as canonical affine coordinates (decimal strings; [] for infinity) so the caller can
// check it against its own.
import { readFileSync } from "fs";
import os from "os";
import { buildBn128 } from "ffjavascript";

const args = Object.fromEntries(
    process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith("--") ? acc.concat([[a.slice(2), all[i + 1]]]) : acc), [])
);
const group = (args.group || "g1").toUpperCase();
const repeat = parseInt(args.repeat || "3", 10);
const bases = new Uint8Array(readFileSync(args.bases));
const scalars = new Uint8Array(readFileSync(args.scalars));

const curve = await buildBn128();
const G = curve[group];
const times = [];
let res;
for (let i = 0; i < repeat; i++) {
    const t0 = process.hrtime.bigint();
    res = await G.multiExpAffine(bases, scalars);
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
}
let result = [];
if (!G.isZero(res)) {
    const obj = G.toObject(G.toAffine(res));
    const flat = (v) => (Array.isArray(v) ? v.flatMap(flat) : [v.toString()]);
    result = flat(obj.slice(0, 2));
}
const version = JSON.parse(readFileSync(new URL("./node_modules/ffjavascript/package.json", import.meta.url))).version;
console.log(JSON.stringify({
    impl: "ffjavascript", version, group: group.toLowerCase(), n: scalars.length / 32,
    threads: curve.tm.concurrency, times_s: times, result,
}));
await curve.terminate();
