"""Contact center: routing engine, Erlang staffing formulas and the simulator.

The modules here are plain Python fed plain data (no Django import), so that the
routing engine and the formulas can be tested and benchmarked alone.
"""
