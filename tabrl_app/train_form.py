"""The Train form: the robot gallery, the behaviour and the training budget."""

from __future__ import annotations

import streamlit as st

from tabrl_app import approaches
from tabrl_app.session import backend
from tabrl_core import estimate, hosting, list_models
from tabrl_core.budgets import PRESETS, STEPS_MIN, budget_options, max_steps
from tabrl_core.jobs.view import duration
from tabrl_core.robots import MenagerieDownloadError, fetch_menagerie_model
from tabrl_core.training.config import ADVANCED_FIELDS, TrainConfig

EXAMPLES = (
    "Walk forward steadily",
    "Keep shaking your hips aloha dude!",
    "Trot in place without moving forward",
    "Spin around on the spot",
    "Stand up tall and stay still",
)


@st.cache_data(ttl=60, show_spinner="Loading the robot gallery…")
def _models() -> list[dict]:
    return list_models()


def _select_robot(robot_id: str) -> None:
    st.session_state.robot = robot_id


def _robot_card(model: dict) -> None:
    selected = model["id"] == st.session_state.robot
    with st.container(border=True, height="stretch"):
        if model["thumbnail"]:
            st.image(model["thumbnail"], width="stretch")
        st.markdown(f"**{model['name']}**")
        st.caption(f"{model['category']} · {model['dof']} DOF")
        if model["has_base_policy"]:
            st.badge("pre-trained", icon=":material/verified:", color="green")
        st.button("Selected" if selected else "Select", key=f"robot-{model['id']}",
                  type="primary" if selected else "secondary", width="stretch",
                  disabled=not model["trainable"], help="; ".join(model["problems"]) or None,
                  on_click=_select_robot, args=(model["id"],))


def robot_gallery() -> str:
    """Cards for the robots that are here (as many to a row as fit the width) and, folded, MuJoCo
    Menagerie's; returns the selected robot's id (the default robot at first)."""
    models = _models()
    st.session_state.setdefault("robot", next(m["id"] for m in models if m["default"]))
    with st.grid(min_column_width=150, gap="small"):
        for model in models:
            if model["trainable"] is not None:
                _robot_card(model)
    _menagerie_picker([m for m in models if m["trainable"] is None])
    return st.session_state.robot


def _menagerie_picker(models: list[dict]) -> None:
    """Menagerie robots that are not downloaded yet: pick one, download it, then it has a card."""
    if not models:
        return
    with st.expander(f"{len(models)} more robots from MuJoCo Menagerie (downloaded on first use)"):
        names = {m["id"]: f"{m['name']} · {m['category']}" for m in models}
        chosen = st.selectbox("Robot", list(names), format_func=names.get)
        st.caption(next(m["description"] for m in models if m["id"] == chosen))
        if st.button("Download", icon=":material/download:"):
            try:
                with st.spinner(f"Downloading {names[chosen]}…"):
                    fetch_menagerie_model(chosen)
            except MenagerieDownloadError as err:
                st.error(str(err))
                return
            _models.clear()
            _select_robot(chosen)
            st.rerun()


def _use_example() -> None:
    if st.session_state.example:
        st.session_state.behavior = st.session_state.example


def behavior_input() -> str:
    """The behaviour text area with example prompts to pick from."""
    st.pills("Examples", EXAMPLES, key="example", on_change=_use_example)
    return st.text_area("Describe the behaviour", key="behavior", height=90,
                        placeholder="e.g. Walk forward steadily") or ""


def _use_preset() -> None:
    if st.session_state.preset:
        st.session_state.steps = PRESETS[st.session_state.preset]


def _match_preset() -> None:
    """Highlight the preset the slider is on, if any."""
    st.session_state.preset = next((p for p, n in PRESETS.items()
                                    if n == st.session_state.steps), None)


def steps_input(robot: str) -> int:
    """The training-steps slider with its presets, each labelled with its time estimate."""
    trains_on = backend()
    n = len(approaches.trainable(approaches.shown_approaches())) or 3
    top = hosting.hosted_limits().max_steps if hosting.is_hosted() else max_steps(trains_on)
    presets = [p for p in PRESETS if PRESETS[p] <= top]

    def label(preset: str) -> str:
        seconds = estimate(robot, PRESETS[preset], trains_on, n)
        return f"{preset} · {PRESETS[preset] // 1000}K · ~{duration(seconds)}"

    st.session_state.setdefault("steps", STEPS_MIN)
    _match_preset()
    st.segmented_control("Budget", presets, key="preset", format_func=label,
                         on_change=_use_preset)
    steps = st.select_slider("Training steps per approach", budget_options(top), key="steps",
                             format_func="{:,}".format)
    seconds = estimate(robot, steps, trains_on, n)
    st.caption(f"About {duration(seconds)} for {n} approaches on the {trains_on} backend, "
               "from measured throughput.")
    return steps


_ADVANCED_HELP = {
    "domain_randomization": "Randomise floor friction and base mass per environment and push "
                            "the robot now and then (native physics only).",
    "skill_search": "Before PPO, try the base policy's commands and start from the one each "
                    "reward scores best.",
    "learn_command_offset": "Let PPO move that starting command too (within the robot's "
                            "command range), instead of keeping it fixed.",
}


def advanced_settings() -> dict:
    """The Advanced expander: PPO hyperparameters and training toggles; returns the settings
    that differ from the defaults (TrainConfig fields), which the run's training uses."""
    defaults = TrainConfig()
    chosen = {}
    with st.expander("Advanced"):
        st.caption("Defaults train every approach the same way; change them to experiment.")
        left, right = st.columns(2)
        for i, name in enumerate(ADVANCED_FIELDS):
            default = getattr(defaults, name)
            column = left if i % 2 == 0 else right
            label = name.replace("_", " ").capitalize()
            if isinstance(default, bool):
                value = column.toggle(label, value=default, key=f"advanced-{name}",
                                      help=_ADVANCED_HELP.get(name))
            elif isinstance(default, int):
                value = column.number_input(label, min_value=1, max_value=4096, value=default,
                                            step=1, key=f"advanced-{name}")
            else:
                value = column.number_input(label, min_value=0.0, value=default,
                                            format="%.5g", key=f"advanced-{name}")
            if value != default:
                chosen[name] = value
    st.session_state.train_overrides = chosen
    return chosen
