"""Benchmark applications: one Quart-API app (ours and real Quart) and a Starlette twin."""
