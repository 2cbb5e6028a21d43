"""Builders of the scenario's sections, one module each: merged plain data → frozen dataclasses.

Each reads its fields through a `simulator.language.reader.Reader`, so that a problem names the
file, the line and the path; `simulator.language.loading.build_scenario` calls them in order.
"""
