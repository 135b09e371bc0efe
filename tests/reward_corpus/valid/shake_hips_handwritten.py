def reward(s, a, prev_a):
    # Shake the hips: yaw follows a 2 Hz sine while the feet stay down and the body stays put.
    phase = 2.0 * jnp.pi * 2.0 * s.time
    target_yaw = 0.25 * jnp.sin(phase)
    shake = jnp.exp(-jnp.square(s.base_rpy[2] - target_yaw) / 0.02)
    planted = jnp.mean(s.foot_contact)
    drift = jnp.sum(jnp.square(s.base_lin_vel[:2]))
    still = jnp.exp(-drift / 0.05)
    total = shake + 0.3 * planted + 0.2 * still + 0.2
    return total, {"shake": shake, "planted": planted, "still": still}
