def reward(s, a, prev_a):
    # Slices, negative indices, @, and the allowed keyword arguments.
    front = s.joint_pos[:6]
    last = s.joint_pos[-1]
    every_other = s.joint_vel[::2]
    legs = jnp.array([s.joint_pos[0:3], s.joint_pos[3:6]])
    per_leg = jnp.sum(jnp.square(legs), axis=1, keepdims=False)
    effort = a @ a
    planar = jnp.norm(s.base_lin_vel[:2], ord=2)
    clipped = jnp.clip(planar, min=0.0, max=1.0)
    total = clipped - 0.001 * effort - 0.001 * jnp.sum(per_leg) + 0.0 * (last + jnp.sum(front))
    return total, {"clipped": clipped, "effort": effort, "spread": jnp.mean(every_other)}
