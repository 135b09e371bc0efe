def reward(s, a, prev_a):
    return jnp.exp(-jnp.square(s.base_lin_vel[0] - 1.0)), {}
