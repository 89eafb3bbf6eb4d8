"""The cross-layer explorer: a local web application over the stores of a (live) simulation."""
