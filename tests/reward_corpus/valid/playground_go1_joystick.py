# A port of MuJoCo Playground's Go1 joystick reward (google-deepmind/mujoco_playground,
# mujoco_playground/_src/locomotion/go1/joystick.py, Apache-2.0) to the TabRL contract, for a
# fixed command of 0.8 m/s forward. Same terms, scales, tracking sigma and total
# (clip(sum * dt, 0, 10000)). Terms whose inputs the contract does not hold are left out:
# dof_pos_limits (joint limits), termination (the episode simply ends), feet_slip,
# feet_clearance and feet_height (foot velocities and swing peaks).
def reward(s, a, prev_a):
    command = jnp.array([0.8, 0.0, 0.0])
    cmd_norm = jnp.norm(command)
    tracking_sigma = 0.25
    # Tracking of linear velocity commands (xy axes).
    lin_vel_error = jnp.sum(jnp.square(command[:2] - s.base_lin_vel[:2]))
    tracking_lin_vel = 1.0 * jnp.exp(-lin_vel_error / tracking_sigma)
    # Tracking of angular velocity commands (yaw).
    ang_vel_error = jnp.square(command[2] - s.base_ang_vel[2])
    tracking_ang_vel = 0.5 * jnp.exp(-ang_vel_error / tracking_sigma)
    # Penalize z axis base linear velocity.
    lin_vel_z = -0.5 * jnp.square(s.base_lin_vel[2])
    # Penalize xy axes base angular velocity.
    ang_vel_xy = -0.05 * jnp.sum(jnp.square(s.base_ang_vel[:2]))
    # Penalize non flat base orientation: the up axis' xy part, squared, is 1 - upright**2.
    orientation = -5.0 * (1.0 - jnp.square(s.upright))
    # Stay close to the default pose.
    weight = jnp.array([1.0, 1.0, 0.1] * 4)
    pose = 0.5 * jnp.exp(-jnp.sum(jnp.square(s.joint_pos - s.default_joint_pos) * weight))
    # Penalize motion at zero commands.
    stand_still = -1.0 * jnp.sum(jnp.abs(s.joint_pos - s.default_joint_pos)) * (cmd_norm < 0.01)
    # Penalize torques.
    torques = -0.0002 * (jnp.sqrt(jnp.sum(jnp.square(s.joint_torque)))
                         + jnp.sum(jnp.abs(s.joint_torque)))
    # Penalize jerky actions.
    action_rate = -0.01 * jnp.sum(jnp.square(a - prev_a))
    # Penalize energy consumption.
    energy = -0.001 * jnp.sum(jnp.abs(s.joint_vel) * jnp.abs(s.joint_torque))
    # Reward air time.
    feet_air_time = 0.1 * jnp.sum((s.foot_air_time - 0.1) * s.first_contact) * (cmd_norm > 0.01)
    total = (tracking_lin_vel + tracking_ang_vel + lin_vel_z + ang_vel_xy + orientation + pose
             + stand_still + torques + action_rate + energy + feet_air_time)
    total = jnp.clip(total * s.dt, 0.0, 10000.0)
    return total, {
        "tracking_lin_vel": tracking_lin_vel, "tracking_ang_vel": tracking_ang_vel,
        "lin_vel_z": lin_vel_z, "ang_vel_xy": ang_vel_xy, "orientation": orientation,
        "pose": pose, "stand_still": stand_still, "torques": torques,
        "action_rate": action_rate, "energy": energy, "feet_air_time": feet_air_time,
    }
