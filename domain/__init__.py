"""The pizzeria's business language: pure models and rules, no I/O, no imports of ours."""
