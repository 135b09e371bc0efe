"""PPO over a population of approaches: K policies, value functions and normalisers in one program.

Brax supplies the pieces (networks, tanh-normal distribution, running statistics, the PPO loss
with GAE); this module stacks them along a leading population axis with `jax.vmap`, so K
approaches update in one compiled call whose shape does not depend on the reward code.
"""

from __future__ import annotations

import contextlib
import functools
import sys
from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax
with contextlib.redirect_stdout(sys.stderr):  # mujoco.mjx prints failed optional imports
    from brax.training import types as brax_types
    from brax.training.acme import running_statistics, specs
    from brax.training.agents.ppo import losses as ppo_losses
    from brax.training.agents.ppo import networks as ppo_networks

from tabrl_core.training.config import TrainConfig
from tabrl_core.training.env import COMMAND_AXES, shift_command


class AgentState(NamedTuple):
    """One approach's learner state; the population stacks these along axis 0."""

    policy: dict
    value: dict
    normalizer: running_statistics.RunningStatisticsState
    opt_state: optax.OptState
    command_offset: jax.Array  # [C] added to the command the networks see; learned by PPO
    # when TrainConfig.learn_command_offset, else zeros


class Rollout(NamedTuple):
    """Experience of one approach, [N envs, T steps, ...]."""

    observation: jax.Array  # [N, T, obs]
    raw_action: jax.Array  # [N, T, act] pre-tanh sample
    log_prob: jax.Array  # [N, T]
    logits: jax.Array  # [N, T, 2 * act] the sampling distribution's parameters
    reward: jax.Array  # [N, T]
    termination: jax.Array  # [N, T] 1.0 where the robot fell
    truncation: jax.Array  # [N, T] 1.0 where the episode hit its time limit
    last_observation: jax.Array  # [N, obs] observation after the last step (for bootstrapping)


def make_networks(obs_size: int, action_size: int, config: TrainConfig):
    """Brax's PPO networks with observation normalisation."""
    return ppo_networks.make_ppo_networks(
        obs_size, action_size,
        preprocess_observations_fn=running_statistics.normalize,
        policy_hidden_layer_sizes=config.policy_hidden,
        value_hidden_layer_sizes=config.value_hidden)


def make_optimizer(config: TrainConfig) -> optax.GradientTransformation:
    return optax.chain(optax.clip_by_global_norm(config.max_grad_norm),
                       optax.adam(config.learning_rate))


def init_agent(key: jax.Array, networks, obs_size: int, config: TrainConfig) -> AgentState:
    """A fresh approach: random networks, empty normaliser."""
    policy_key, value_key = jax.random.split(key)
    policy = networks.policy_network.init(policy_key)
    value = networks.value_network.init(value_key)
    normalizer = running_statistics.init_state(specs.Array((obs_size,), jnp.dtype("float32")))
    offset = jnp.zeros(len(COMMAND_AXES))
    opt_state = make_optimizer(config).init(_learned(policy, value, offset, config))
    return AgentState(policy, value, normalizer, opt_state, offset)


def _learned(policy, value, offset, config: TrainConfig) -> dict:
    """The parameters the optimiser moves."""
    params = {"policy": policy, "value": value}
    return {**params, "command_offset": offset} if config.learn_command_offset else params


def sample_actions(networks, agent: AgentState, obs: jax.Array, key: jax.Array):
    """Stochastic actions for one approach: (action in [-1, 1], raw pre-tanh action, log prob,
    distribution parameters)."""
    dist = networks.parametric_action_distribution
    logits = networks.policy_network.apply(agent.normalizer, agent.policy, obs)
    raw = dist.sample_no_postprocessing(logits, key)
    return dist.postprocess(raw), raw, dist.log_prob(logits, raw), logits


def deterministic_actions(networks, normalizer, policy, obs: jax.Array) -> jax.Array:
    """The policy's mode, squashed to [-1, 1] (used for videos)."""
    logits = networks.policy_network.apply(normalizer, policy, obs)
    return networks.parametric_action_distribution.mode(logits)


def _to_brax_transition(data: Rollout) -> brax_types.Transition:
    """Brax's loss reads [N, T] transitions and only the last `next_observation`."""
    return brax_types.Transition(
        observation=data.observation,
        action=jnp.tanh(data.raw_action),
        reward=data.reward,
        discount=1.0 - data.termination,
        next_observation=data.last_observation[:, None, :],
        extras={"policy_extras": {"raw_action": data.raw_action, "log_prob": data.log_prob,
                                  "distribution_params": data.logits},
                "state_extras": {"truncation": data.truncation}})


def _update_minibatch(networks, config: TrainConfig, offset_seen: jax.Array, carry,
                      minibatch: Rollout):
    agent, key = carry
    key, loss_key = jax.random.split(key)
    loss_fn = functools.partial(
        ppo_losses.compute_ppo_loss, ppo_network=networks,
        entropy_cost=config.entropy_cost, discounting=config.discounting,
        reward_scaling=config.reward_scaling, gae_lambda=config.gae_lambda,
        clipping_epsilon=config.clipping_epsilon, normalize_advantage=True)

    def loss(params):
        ppo_params = ppo_losses.PPONetworkParams(policy=params["policy"], value=params["value"])
        data = minibatch
        if "command_offset" in params:  # the data saw `offset_seen`; the networks now see this
            moved = params["command_offset"] - offset_seen
            data = data._replace(observation=shift_command(data.observation, moved),
                                 last_observation=shift_command(data.last_observation, moved))
        # Brax's loss swaps to [T, N] itself.
        return loss_fn(ppo_params, agent.normalizer, _to_brax_transition(data), loss_key)

    params = _learned(agent.policy, agent.value, agent.command_offset, config)
    (_, metrics), grads = jax.value_and_grad(loss, has_aux=True)(params)
    updates, opt_state = make_optimizer(config).update(grads, agent.opt_state, params)
    params = optax.apply_updates(params, updates)
    agent = agent._replace(policy=params["policy"], value=params["value"], opt_state=opt_state,
                           command_offset=params.get("command_offset", agent.command_offset))
    return (agent, key), metrics


def _update_epoch(networks, config: TrainConfig, offset_seen: jax.Array, carry, _):
    agent, key, data = carry
    key, perm_key = jax.random.split(key)
    n_envs = data.observation.shape[0]
    order = jax.random.permutation(perm_key, n_envs)
    split = lambda x: x[order].reshape((config.num_minibatches, -1) + x.shape[1:])  # noqa: E731
    minibatches = jax.tree_util.tree_map(split, data)
    (agent, key), metrics = jax.lax.scan(
        functools.partial(_update_minibatch, networks, config, offset_seen), (agent, key),
        minibatches)
    return (agent, key, data), metrics


def update_agent(networks, config: TrainConfig, agent: AgentState, data: Rollout,
                 key: jax.Array) -> tuple[AgentState, dict]:
    """One PPO update of one approach: refresh the normaliser, then epochs of minibatch SGD (of
    the networks, and with TrainConfig.learn_command_offset of the command offset too)."""
    obs = data.observation.reshape((-1, data.observation.shape[-1]))
    agent = agent._replace(normalizer=running_statistics.update(agent.normalizer, obs))
    (agent, _, _), metrics = jax.lax.scan(
        functools.partial(_update_epoch, networks, config, agent.command_offset),
        (agent, key, data), None, length=config.num_epochs)
    return agent, jax.tree_util.tree_map(jnp.mean, metrics)


def make_population_update(networks, config: TrainConfig):
    """jit(vmap(update_agent)) with an `active` mask: inactive approaches keep their state."""

    def update(agents: AgentState, data: Rollout, keys: jax.Array, active: jax.Array):
        new_agents, metrics = jax.vmap(functools.partial(update_agent, networks, config))(
            agents, data, keys)
        finite = jax.vmap(_all_finite)(new_agents)
        keep = active & finite

        def select(new, old):
            mask = keep.reshape((-1,) + (1,) * (new.ndim - 1))
            return jnp.where(mask, new, old)

        return jax.tree_util.tree_map(select, new_agents, agents), metrics, finite

    return jax.jit(update)


def _all_finite(agent: AgentState) -> jax.Array:
    leaves = jax.tree_util.tree_leaves((agent.policy, agent.value, agent.command_offset))
    return jnp.all(jnp.stack([jnp.all(jnp.isfinite(x)) for x in leaves]))
