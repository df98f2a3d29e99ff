"""The estimators, on Polars frames only (no warehouse, no Streamlit): `did`, `its`, `event`,
and `prep` for what they share. Import them through `analytics.effects`; this package does not
re-export, so `analytics.effects.estimators.did` stays the module, not the function."""
