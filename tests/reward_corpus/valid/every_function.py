def reward(s, a, prev_a):
    # Every allowed jnp function and constant once.
    x = jnp.abs(s.base_lin_vel[0]) + jnp.sign(s.base_lin_vel[1]) + jnp.square(a[0])
    x = x + jnp.sqrt(jnp.square(s.base_height)) + jnp.exp(-s.time) + jnp.log(1.0 + s.time)
    x = x + jnp.tanh(s.base_rpy[0]) + jnp.sin(s.time) + jnp.cos(s.time)
    x = x + jnp.arctan2(s.base_lin_vel[1], 1.0) + jnp.minimum(1.0, 2.0) + jnp.maximum(0.0, 1.0)
    x = x + jnp.clip(a[1], -0.5, 0.5) + jnp.where(a[2] > 0.0, 1.0, 0.0)
    x = x + jnp.sum(a) + jnp.mean(a) + jnp.prod(jnp.ones_like(a)) + jnp.min(a) + jnp.max(a)
    x = x + jnp.dot(a, prev_a) + jnp.norm(a) + jnp.sum(jnp.zeros_like(a))
    x = x + jnp.exp2(-s.time) + jnp.cosh(0.1 * s.time) + jnp.pi + jnp.e
    return x, {"x": x}
