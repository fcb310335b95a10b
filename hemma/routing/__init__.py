"""The visit planner: plain dataclasses in, a plan out. No Django imports, so it can be
tested, benchmarked and reused on its own (DESIGN.md, "routing/")."""
