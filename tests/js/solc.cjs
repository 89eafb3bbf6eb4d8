// Compiles one Solidity file with the pinned solc-js: `node solc.cjs FILE.sol [EVM_VERSION]` prints
// {"contracts": {name: {"abi", "bytecode", "deployedBytecode"}}} or {"errors": [...]} (exit 1).
const fs = require("fs");
const path = require("path");
const solc = require("solc");

const file = process.argv[2];
const input = {
  language: "Solidity",
  sources: { [path.basename(file)]: { content: fs.readFileSync(file, "utf8") } },
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: process.argv[3] || "cancun",
    outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
  },
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors || []).filter((e) => e.severity === "error");
if (errors.length) {
  console.log(JSON.stringify({ errors: errors.map((e) => e.formattedMessage) }));
  process.exit(1);
}
const contracts = {};
for (const [name, c] of Object.entries(output.contracts[path.basename(file)])) {
  contracts[name] = { abi: c.abi, bytecode: c.evm.bytecode.object, deployedBytecode: c.evm.deployedBytecode.object };
}
console.log(JSON.stringify({ contracts, version: solc.version() }));
