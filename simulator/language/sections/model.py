"""What an arm simulates: the `tracks` (states, initial shares, transitions, jumps), `resources`
and `exit` sections, and each arm's model with its `patch` merged in.

Flows are part of a model too (an arm may patch them); they are read by `sections.flows`.
"""
from __future__ import annotations

import itertools
from typing import Any, Mapping

from simulator.language.distributions import TIME_FORMS, InvalidArgument, time_distribution
from simulator.language.errors import shown
from simulator.language.files import deep_merge
from simulator.language.labels import Label
from simulator.language.reader import Reader, Scope, join, parameter_extremes
from simulator.language.scenario import (
    Arm,
    Attribute,
    Economics,
    Initial,
    Jump,
    Model,
    Modifier,
    Number,
    Ref,
    Resource,
    TimeSpec,
    Track,
    Transition,
)
from simulator.language.sections.flows import build_flows
from simulator.language.sections.parameters import NUMERIC_RANGE, build_parameters, form_example

PATCHABLE = ("tracks", "resources", "flows", "parameters", "exit")


def build_arms(raw: Any, scenario_raw: dict, reader: Reader, attributes, economics,
               base_model: Model | None) -> dict[str, Arm]:
    if not isinstance(raw, dict) or not raw:
        reader.issue("arms", "a mapping of arm names to {label, patch}", shown(raw))
        return {}
    arms: dict[str, Arm] = {}
    for name, spec in raw.items():
        here = join("arms", str(name))
        spec = {} if spec is None else spec
        if reader.mapping(spec, here, optional=("label", "patch")) is None:
            continue
        label = reader.label(spec.get("label"), join(here, "label"), str(name)) or Label(str(name))
        patch = spec.get("patch")
        if patch is None:
            if base_model is not None:
                arms[str(name)] = Arm(str(name), label, base_model)
            continue
        if reader.mapping(patch, join(here, "patch"), optional=PATCHABLE,
                          what="a mapping of the fields this arm changes") is None:
            continue
        merged = deep_merge(scenario_raw, patch)
        own_parameters = frozenset(patch.get("parameters", {}) or {})
        saved = reader.problems.patch_prefix, reader.parameters
        reader.problems.patch_prefix = join(here, "patch")
        try:
            reader.parameters = build_parameters(merged.get("parameters", {}), "parameters", reader)
            model = build_model(merged, reader, attributes, economics)
        finally:
            reader.problems.patch_prefix, reader.parameters = saved
        if model is not None:
            arms[str(name)] = Arm(str(name), label, model, own_parameters)
    return arms


def build_model(raw: dict, reader: Reader, attributes: tuple[Attribute, ...],
                economics: Economics) -> Model | None:
    tracks_raw = raw.get("tracks")
    if not isinstance(tracks_raw, dict) or not tracks_raw:
        reader.issue("tracks", "a mapping of track names to {states, initial, transitions}",
                     shown(tracks_raw))
        return None
    resources = _resources(raw.get("resources", {}), reader)
    # First the states of every track, so that conditions can refer to any track.
    states: dict[str, tuple[str, ...]] = {}
    for name, spec in tracks_raw.items():
        here = join("tracks", str(name))
        if isinstance(spec, dict) and "states" in spec:
            items = spec["states"]
            if (isinstance(items, list) and items and all(isinstance(s, str) for s in items)
                    and len(set(items)) == len(items)):
                states[str(name)] = tuple(items)
            else:
                reader.issue(join(here, "states"), "a list of distinct state names", shown(items))
    holding = {str(name): frozenset(k for k in spec["holds"] if isinstance(k, str))
               for name, spec in tracks_raw.items()
               if isinstance(spec, dict) and isinstance(spec.get("holds"), dict)}
    broken = frozenset(str(name) for name in tracks_raw) - set(states)  # states reported above
    scope = Scope(states, {a.name: a.values for a in attributes}, reader, holding, broken)
    tracks = []
    for name, spec in tracks_raw.items():
        track = _track(str(name), spec, join("tracks", str(name)), reader, scope, resources, attributes)
        if track is not None:
            tracks.append(track)
    exit_time = None
    if raw.get("exit") is not None:
        if reader.mapping(raw["exit"], "exit", required=("time",)) is not None:
            exit_time = _time(raw["exit"]["time"], "exit.time", reader)
    flows = build_flows(raw.get("flows", {}), reader, scope, economics)
    if len(tracks) != len(tracks_raw):
        return None  # a track is broken (reported): no model, so no false alarms about its states
    return Model(tuple(tracks), resources, flows, exit_time, dict(reader.parameters))



def _resources(raw: Any, reader: Reader) -> dict[str, Resource]:
    if not isinstance(raw, dict):
        reader.issue("resources", "a mapping of resource names to {capacity}", shown(raw))
        return {}
    result = {}
    for name, spec in raw.items():
        here = join("resources", str(name))
        if reader.mapping(spec, here, required=("capacity",), optional=("label",)) is None:
            continue
        capacity = reader.number(spec["capacity"], join(here, "capacity"), 0, integer=True)
        label = reader.label(spec.get("label"), join(here, "label"), str(name))
        if capacity is not None and label is not None:
            result[str(name)] = Resource(str(name), capacity, label)
    return result


def _track(name: str, raw: Any, path: str, reader: Reader, scope: Scope,
           resources: Mapping[str, Resource], attributes: tuple[Attribute, ...]) -> Track | None:
    if reader.mapping(raw, path, required=("states", "initial"),
                      optional=("transitions", "holds", "on_enter", "label")) is None:
        return None
    states = scope.states.get(name)
    if states is None:
        return None
    holds = {}
    if "holds" in raw:
        spec = raw["holds"]
        if not isinstance(spec, dict):
            reader.issue(join(path, "holds"), "a mapping of states to resources", shown(spec))
        else:
            for state, resource in spec.items():
                here = join(join(path, "holds"), str(state))
                state = reader.one_of(state, here, states, f"a state of {name}")
                resource = reader.one_of(resource, here, tuple(resources), "a declared resource")
                if state is not None and resource is not None:
                    holds[state] = resource
    initial = _initial(raw["initial"], join(path, "initial"), reader, states, attributes, holds)
    transitions = []
    spec = raw.get("transitions") or {}
    if not isinstance(spec, dict):
        reader.issue(join(path, "transitions"), "a mapping of `from->to` to {time, modifiers}", shown(spec))
        spec = {}
    for key, transition_raw in spec.items():
        transition = _transition(str(key), transition_raw, join(join(path, "transitions"), str(key)),
                                 reader, scope, states)
        if transition is not None:
            transitions.append(transition)
    on_enter = {}
    spec = raw.get("on_enter") or {}
    if not isinstance(spec, dict):
        reader.issue(join(path, "on_enter"), "a mapping of states to lists of jumps", shown(spec))
        spec = {}
    for state, jumps_raw in spec.items():
        here = join(join(path, "on_enter"), str(state))
        if reader.one_of(state, here, states, f"a state of {name}") is None:
            continue
        if not isinstance(jumps_raw, list):
            reader.issue(here, "a list of {track, from, to, probability}", shown(jumps_raw))
            continue
        jumps = [_jump(item, join(here, i), reader, scope, name) for i, item in enumerate(jumps_raw)]
        on_enter[state] = tuple(jump for jump in jumps if jump is not None)
    if initial is None:
        return None
    label = reader.label(raw.get("label"), join(path, "label"), name)
    if label is None:
        return None
    return Track(name, states, initial, holds, tuple(transitions), on_enter, label)


def _initial(raw: Any, path: str, reader: Reader, states: tuple[str, ...],
             attributes: tuple[Attribute, ...], holds: Mapping[str, str]) -> Initial | None:
    if isinstance(raw, dict) and "by" in raw:
        by_name = {a.name: a for a in attributes}
        attribute = reader.one_of(raw["by"], join(path, "by"), tuple(by_name), "a declared attribute")
        if attribute is None:
            return None
        values = by_name[attribute].values
        if reader.mapping(raw, path, required=("by",) + values) is None:
            return None
        tables = {value: _initial_table(raw[value], join(path, value), reader, states, holds)
                  for value in values}
        return None if None in tables.values() else Initial(attribute, tables)
    table = _initial_table(raw, path, reader, states, holds)
    return None if table is None else Initial(None, {None: table})


def _initial_table(raw: Any, path: str, reader: Reader, states: tuple[str, ...],
                   holds: Mapping[str, str]) -> dict[str, float] | None:
    table = reader.shares(raw, path, states, "states")
    if table is None:
        return None
    for state, share in table.items():
        if share > 0 and state in holds:
            reader.issue(join(path, state), f"no youths at arrival in {state}, which holds "
                         f"{holds[state]} (enter it by a transition)", shown(share))
            return None
    return table


def _transition(key: str, raw: Any, path: str, reader: Reader, scope: Scope,
                states: tuple[str, ...]) -> Transition | None:
    parts = key.split("->")
    if len(parts) != 2:
        reader.issue(path, "a transition key `from->to`", shown(key))
        return None
    source = reader.one_of(parts[0].strip(), path, states, "a state of this track as `from`")
    target = reader.one_of(parts[1].strip(), path, states, "a state of this track as `to`")
    if source is not None and source == target:
        reader.issue(path, "a transition between two different states", shown(key))
        return None
    if reader.mapping(raw, path, required=("time",), optional=("modifiers",)) is None:
        return None
    time = _time(raw["time"], join(path, "time"), reader)
    modifiers = []
    spec = raw.get("modifiers") or []
    if not isinstance(spec, list):
        reader.issue(join(path, "modifiers"), "a list of {when, hazard_ratio}", shown(spec))
        spec = []
    for i, item in enumerate(spec):
        here = join(join(path, "modifiers"), i)
        if reader.mapping(item, here, required=("when", "hazard_ratio"), optional=("strength",)) is None:
            continue
        when = scope.condition(item["when"], join(here, "when"))
        ratio = reader.number(item["hazard_ratio"], join(here, "hazard_ratio"), 0.0)
        strength = reader.number(item.get("strength", 1.0), join(here, "strength"), 0.0, 1.0)
        if time is not None and time.kind == "fixed" and ratio is not None and ratio != 0.0:
            reader.issue(join(here, "hazard_ratio"), "0 (a fixed clock can only be paused)",
                         shown(item["hazard_ratio"]))
            continue
        if when is not None and ratio is not None and strength is not None:
            modifiers.append(Modifier(when, ratio, strength))
    if None in (source, target, time):
        return None
    return Transition(source, target, time, tuple(modifiers))


def _time(raw: Any, path: str, reader: Reader) -> TimeSpec | None:
    """A time-to-event distribution; arguments may be `$name`, checked at their extreme values."""
    if isinstance(raw, dict) and len(raw) == 1 and "fixed" in raw and not isinstance(raw["fixed"], dict):
        raw = {"fixed": {"months": raw["fixed"]}}
    if not isinstance(raw, dict) or len(raw) != 1:
        reader.issue(path, "one time distribution: " + ", ".join(TIME_FORMS), shown(raw))
        return None
    (kind, args), = raw.items()
    if kind not in TIME_FORMS:
        reader.unknown(join(path, str(kind)), kind, TIME_FORMS)
        return None
    here = join(path, kind)
    if not isinstance(args, dict):
        reader.issue(here, "a mapping of arguments, e.g. " + form_example(TIME_FORMS[kind]), shown(args))
        return None
    values: dict[str, Number] = {}
    for arg, value in args.items():
        if isinstance(value, str) and value.startswith("$"):
            number = reader.number(value, join(here, str(arg)))
            if number is None:
                return None
            values[str(arg)] = number
        else:
            values[str(arg)] = value
    # Check with every combination of the referenced parameters' extreme values.
    choices = [[v] if not isinstance(v, Ref) else parameter_extremes(reader.parameters[v.name])
               for v in values.values()]
    for combination in itertools.product(*choices):
        refs = [f"${v.name}" for v in values.values() if isinstance(v, Ref)]
        at_extreme = f" (at an extreme of {', '.join(refs)})" if refs else ""
        try:
            time_distribution(kind, dict(zip(values, combination))).median()
        except InvalidArgument as error:
            where = join(here, error.argument) if error.argument else here
            reader.issue(where, error.expected, error.found + at_extreme)
            return None
        except ArithmeticError:  # e.g. weibull {shape: 1e-300}, or p so small that the rate is 0
            reader.issue(here, NUMERIC_RANGE, shown(dict(zip(values, combination))) + at_extreme)
            return None
    return TimeSpec(kind, {k: (float(v) if not isinstance(v, Ref) else v) for k, v in values.items()})


def _jump(raw: Any, path: str, reader: Reader, scope: Scope, own_track: str) -> Jump | None:
    if reader.mapping(raw, path, required=("track", "from", "to"), optional=("probability",)) is None:
        return None
    if isinstance(raw["track"], str) and raw["track"] in scope.broken:
        return None
    track = reader.one_of(raw["track"], join(path, "track"), tuple(scope.states), "a track")
    probability = reader.number(raw.get("probability", 1.0), join(path, "probability"), 0.0, 1.0)
    if track is None:
        return None
    if track == own_track:
        reader.issue(join(path, "track"), "another track (a jump moves a different track)", shown(track))
        return None
    sources = reader.names(raw["from"], join(path, "from"), scope.states[track], f"a state of {track}")
    target = reader.one_of(raw["to"], join(path, "to"), scope.states[track], f"a state of {track}")
    if target is not None and target in scope.holding.get(track, ()):
        reader.issue(join(path, "to"), f"a state that holds no resource ({target} holds one)", shown(target))
        return None
    if None in (sources, target, probability):
        return None
    return Jump(track, sources, target, probability)
