"""The bundled sample's generator (示例数据): deterministic station files calibrated to the
source documents, with planted effects and data problems, and their ground truth.

Demo data, not the product: it writes station files as stations would and loads them
through the ETL's public functions (`etl.warehouse.init`, `etl.load.load_files`), like any
federation's. Nothing in etl/, analytics/ or ui/ imports it. `build.py` puts the tables
together; `python -m sample build|generate` is its command line (`__main__.py`).
"""
