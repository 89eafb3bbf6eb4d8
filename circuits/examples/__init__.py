"""Example circuits, each with a sample input JSON beside it (run by tests/circuits/test_examples.py)."""
