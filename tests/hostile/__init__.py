"""Hostile and broken returns, built by code at test time (nothing binary is checked in)."""
