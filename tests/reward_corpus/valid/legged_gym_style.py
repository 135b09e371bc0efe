# legged_gym's default LeggedRobot reward (nonzero scales of LeggedRobotCfg), in the contract:
# scales times dt, only_positive_rewards, tracking_sigma 0.25, air time reward past 0.5 s.
# dof_acc and collision are left out (the contract has no accelerations or body contacts).
def reward(s, a, prev_a):
    """Walk forward at 0.6 m/s."""
    cmd_x, cmd_y, cmd_yaw = 0.6, 0.0, 0.0
    lin_vel_error = jnp.square(cmd_x - s.base_lin_vel[0]) + jnp.square(cmd_y - s.base_lin_vel[1])
    tracking_lin_vel = 1.0 * s.dt * jnp.exp(-lin_vel_error / 0.25)
    tracking_ang_vel = 0.5 * s.dt * jnp.exp(-jnp.square(cmd_yaw - s.base_ang_vel[2]) / 0.25)
    lin_vel_z = -2.0 * s.dt * jnp.square(s.base_lin_vel[2])
    ang_vel_xy = -0.05 * s.dt * jnp.sum(jnp.square(s.base_ang_vel[:2]))
    torques = -0.00001 * s.dt * jnp.sum(jnp.square(s.joint_torque))
    air_time = jnp.sum((s.foot_air_time - 0.5) * s.first_contact)
    moving = jnp.sqrt(cmd_x ** 2 + cmd_y ** 2) > 0.1
    feet_air_time = 1.0 * s.dt * air_time * moving
    action_rate = -0.01 * s.dt * jnp.sum(jnp.square(prev_a - a))
    total = (tracking_lin_vel + tracking_ang_vel + lin_vel_z + ang_vel_xy + torques
             + feet_air_time + action_rate)
    total = jnp.maximum(total, 0.0)
    return total, {"tracking_lin_vel": tracking_lin_vel, "tracking_ang_vel": tracking_ang_vel,
                   "lin_vel_z": lin_vel_z, "ang_vel_xy": ang_vel_xy, "torques": torques,
                   "feet_air_time": feet_air_time, "action_rate": action_rate}
