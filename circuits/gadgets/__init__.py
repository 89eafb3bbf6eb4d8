"""The gadget library: one module per gadget family, each with its out-of-circuit twin.

Every gadget's docstring states its constraint count; tests/circuits/test_gadget_counts.py
holds the regression table.
"""
