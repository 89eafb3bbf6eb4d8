"""The file formats of the circom/snarkjs ecosystem: iden3 binary files and snarkjs's JSON."""
