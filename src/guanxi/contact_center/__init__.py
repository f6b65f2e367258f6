"""Contact center: routing engine, Erlang staffing formulas and the simulator.

The engine modules (erlang, routing/, simulator, policies) are plain Python fed plain data (no
Django import), so that the routing engine and the formulas can be tested and benchmarked alone.
The Django app around them (models, services, api, views) is the product's way in.
"""
